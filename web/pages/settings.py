"""Your settings: display name, bio, the language of the pages, and your password."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import accounts
from node.accounts import BIO_MAX, DISPLAY_NAME_MAX, SUPPORTED_LOCALES
from node.errors import AuthenticationFailed, InvalidInput
from node.passwords import PASSWORD_MIN
from node.views import AccountView
from web.keys import CLOCK, PASSWORDS
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import SESSION_COOKIE, signed_in
from web.pages.transaction import transaction

# What a saved form says on the page it comes back to.
NOTICES = ("saved", "password")


def _context(
    account: AccountView,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    values = form or {
        "display_name": account.actor.display_name,
        "bio": account.bio,
        "locale": account.locale,
        "crisis_country": account.crisis_country,
    }
    return {
        "account": account,
        "form": values,
        "errors": errors or {},
        "notice": notice,
        "display_name_max": DISPLAY_NAME_MAX,
        "bio_max": BIO_MAX,
        "password_min": PASSWORD_MIN,
    }


async def settings_page(request: web.Request) -> web.Response:
    """GET /settings"""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        account = await accounts.get_account(session, viewer)
        notice = request.query.get("done")
        context = _context(account, notice=notice if notice in NOTICES else None)
        return render(request, page, "settings.html", context)


def _profile_error(error: InvalidInput, page: Frame, request: web.Request) -> dict[str, str]:
    _ = gettext_for(request, page.locale)
    if error.field == "display_name":
        return {
            "display_name": _("This is too long: use at most %(max)s characters.")
            % {"max": DISPLAY_NAME_MAX}
        }
    if error.field == "bio":
        return {"bio": _("This is too long: use at most %(max)s characters.") % {"max": BIO_MAX}}
    if error.field == "crisis_country":
        return {
            "crisis_country": _(
                "Write a two-letter country code, such as GB or DE, or leave it empty."
            )
        }
    return {"locale": _("Choose one of the languages in the list.")}


async def save_settings(request: web.Request) -> web.Response:
    """POST /settings: the profile and the language; the next page is in the new language."""
    form = await read_form(request, ("display_name", "bio", "locale", "crisis_country"))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        try:
            async with session.begin_nested():
                await accounts.update_account(
                    session,
                    viewer,
                    display_name=form["display_name"],
                    bio=form["bio"],
                    locale=form["locale"] if form["locale"] in SUPPORTED_LOCALES else "-",
                    crisis_country=form["crisis_country"],
                    now=request.app[CLOCK](),
                )
        except InvalidInput as error:
            page = await frame(request, session, viewer)
            account = await accounts.get_account(session, viewer)
            errors = _profile_error(error, page, request)
            context = _context(account, form=form, errors=errors)
            return render(request, page, "settings.html", context, status=422)
    return redirect("/settings?done=saved")


async def change_password(request: web.Request) -> web.Response:
    """POST /settings/password: the current password, then the new one. Other sessions
    are signed out; this one stays."""
    form = await read_form(request, ("current_password", "new_password"))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        errors: dict[str, str] = {}
        try:
            async with session.begin_nested():
                await accounts.change_password(
                    session,
                    request.app[PASSWORDS],
                    viewer,
                    current=form["current_password"],
                    new=form["new_password"],
                    keep_token=request.cookies.get(SESSION_COOKIE),
                )
        except AuthenticationFailed:
            errors["current_password"] = _("This is not your current password.")
        except InvalidInput:
            errors["new_password"] = _("Use at least %(min)s characters.") % {"min": PASSWORD_MIN}
        if errors:
            account = await accounts.get_account(session, viewer)
            return render(
                request, page, "settings.html", _context(account, errors=errors), status=422
            )
    return redirect("/settings?done=password")
