"""Sign up, sign in, sign out, and the language switcher."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node import accounts
from node.accounts import SUPPORTED_LOCALES
from node.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    PermissionDenied,
)
from node.handles import HANDLE_MAX, RESERVED, handle_key
from node.passwords import PASSWORD_MIN
from node.rules import list_node_rules
from node.sign_in import Refused, Throttled, sign_in
from web.keys import CLOCK, PASSWORDS, SITE, THROTTLE
from web.pages.crisis import crisis_resources
from web.pages.forms import read_form
from web.pages.i18n import LANGUAGE_COOKIE
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.return_path import local_path
from web.pages.session import SESSION_COOKIE, page_viewer, set_cookie
from web.pages.transaction import transaction
from web.problems import retry_after_seconds

log = logging.getLogger(__name__)


async def signup_form(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        context = await _signup_context(request, session, page, {}, {})
        return render(request, page, "signup.html", context)


async def _signup_context(
    request: web.Request,
    session: AsyncSession,
    page: Frame,
    form: dict[str, str],
    errors: dict[str, str],
) -> dict[str, Any]:
    return {
        "crisis": await crisis_resources(request, session, page),
        "form": form,
        "errors": errors,
        "rules": await list_node_rules(session),
        "handle_max": HANDLE_MAX,
        "password_min": PASSWORD_MIN,
    }


def _signup_error(error: DomainError, handle: str, _: Callable[[str], str]) -> dict[str, str]:
    """The domain's refusal, said in the page's language, on the field it concerns."""
    field = error.field or "form"
    if isinstance(error, Conflict):
        return {"username": _("This username is taken. Please choose another.")}
    if field == "username" and handle_key(handle) in RESERVED:
        return {"username": _("This name is reserved on this node. Please choose another.")}
    if field == "username":
        return {
            "username": _(
                "Use 1 to %(max)s letters, digits, '_' or '-', starting with a letter or digit."
            )
            % {"max": HANDLE_MAX}
        }
    if field == "password":
        return {"password": _("Use at least %(min)s characters.") % {"min": PASSWORD_MIN}}
    if field == "display_name":
        return {"display_name": _("This display name is too long.")}
    return {"form": _("Something in the form could not be accepted. Please check it.")}


async def signup(request: web.Request) -> web.Response:
    form = await read_form(request, ("username", "display_name", "password"))
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        page = await frame(request, session, None)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                account = await accounts.register(
                    session,
                    request.app[SITE],
                    request.app[PASSWORDS],
                    handle=form["username"].strip(),
                    password=form["password"],
                    display_name=form["display_name"],
                    locale=page.locale,
                    now=now,
                )
        except (InvalidInput, Conflict) as error:
            log.info("sign-up refused: %s (%s)", error.code, error.field)
            errors = _signup_error(error, form["username"].strip(), _)
            context = await _signup_context(request, session, page, form, errors)
            return render(request, page, "signup.html", context, status=422)
        token = await accounts.issue_token(session, account.id, now=now)
    log.info("new member @%s signed up through the pages", account.actor.handle)
    return _signed_in(request, token)


def _signed_in(request: web.Request, token: str, to: str = "/") -> web.Response:
    response = redirect(to)
    set_cookie(request, response, SESSION_COOKIE, token)
    return response


async def signin_form(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        context = {"form": {}, "errors": {}, "next": local_path(request.query.get("next"))}
        return render(request, page, "signin.html", context)


async def signin(request: web.Request) -> web.Response:
    form = await read_form(request, ("username", "password", "next"))
    handle = form["username"].strip()
    async with transaction(request) as session:
        page = await frame(request, session, None)
        _ = gettext_for(request, page.locale)
        outcome = await sign_in(
            session,
            request.app[SITE],
            request.app[PASSWORDS],
            request.app[THROTTLE],
            handle=handle,
            password=form["password"],
            address=request.remote,
            now=request.app[CLOCK](),
        )
        if isinstance(outcome, Throttled):
            log.warning("sign-in throttled for %s from %s", handle, request.remote)
            seconds = retry_after_seconds(outcome.wait)
            message = _("Too many attempts. Please wait %(minutes)s minutes and try again.")
            context = {"form": form, "errors": {"form": message % {"minutes": _minutes(seconds)}}}
            response = render(request, page, "signin.html", context, status=429)
            response.headers["Retry-After"] = str(seconds)
            return response
        if isinstance(outcome, Refused):
            log.info("sign-in refused for %s: %s", handle, outcome.error.code)
            message = (
                _("This account is suspended.")
                if isinstance(outcome.error, PermissionDenied)
                else _("Unknown username or wrong password.")
            )
            context = {"form": form, "errors": {"form": message}}
            return render(request, page, "signin.html", context, status=401)
    return _signed_in(request, outcome.token, local_path(form["next"]))


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


async def signout(request: web.Request) -> web.Response:
    await read_form(request, ())
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with transaction(request) as session:
            await accounts.revoke_token(session, token)
    response = redirect("/")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def choose_language(request: web.Request) -> web.Response:
    """The switcher: a link per language that remembers the choice (for visitors; a
    member's own setting still speaks louder)."""
    code = request.match_info["code"]
    if code not in SUPPORTED_LOCALES:
        raise web.HTTPNotFound()
    response = redirect(local_path(request.query.get("next")))
    set_cookie(request, response, LANGUAGE_COOKIE, code)
    return response
