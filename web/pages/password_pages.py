"""Forgot your password: ask for a link (``/password/forgot``), then choose a new
password with it (``/password/reset/{token}``).

The answer to asking is always the same page, whatever was typed, so the form cannot
tell anyone who is a member. Without a mail server the page says how else to get back
in: an admin can make a one-time link with ``kinfolk user reset-link``. A link that
expired or was used is refused with a kind word and the way to a new one.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.errors import InvalidInput
from node.mail import password_reset
from node.mail.links import LinkNotValid
from node.passwords import PASSWORD_MIN
from web.keys import CLOCK, PASSWORDS, SETTINGS
from web.mail import mail_context
from web.pages.forms import read_form
from web.pages.render import frame, gettext_for, render
from web.pages.session import page_viewer
from web.pages.transaction import transaction


def _private(response: web.Response) -> web.Response:
    # A page opened from a link with a token in it is kept by no cache.
    response.headers["Cache-Control"] = "no-store"
    return response


async def forgot_form(request: web.Request) -> web.Response:
    """GET /password/forgot"""
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        sends = request.app[SETTINGS].smtp_url is not None
        return render(request, page, "password_forgot.html", {"sends": sends, "asked": False})


async def forgot(request: web.Request) -> web.Response:
    """POST /password/forgot: the same answer, whoever was named."""
    form = await read_form(request, ("name",))
    settings = request.app[SETTINGS]
    async with transaction(request) as session:
        if settings.smtp_url is not None:
            await password_reset.request_reset(
                session, mail_context(settings), form["name"], now=request.app[CLOCK]()
            )
        page = await frame(request, session, await page_viewer(request, session))
        context = {"sends": settings.smtp_url is not None, "asked": True}
        return render(request, page, "password_forgot.html", context)


async def reset_form(request: web.Request) -> web.Response:
    """GET /password/reset/{token}"""
    token = request.match_info["token"]
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        try:
            await password_reset.check_reset_link(session, token, now=request.app[CLOCK]())
        except LinkNotValid as refused:
            context: dict[str, Any] = {"refused": refused.reason, "errors": {}}
            return _private(render(request, page, "password_reset.html", context, status=410))
        context = {"token": token, "errors": {}, "password_min": PASSWORD_MIN}
        return _private(render(request, page, "password_reset.html", context))


async def reset(request: web.Request) -> web.Response:
    """POST /password/reset/{token}: the new password; every session of the account ends."""
    token = request.match_info["token"]
    form = await read_form(request, ("password",))
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                handle = await password_reset.reset_password(
                    session,
                    request.app[PASSWORDS],
                    token,
                    form["password"],
                    now=request.app[CLOCK](),
                )
        except LinkNotValid as refused:
            context: dict[str, Any] = {"refused": refused.reason, "errors": {}}
            return _private(render(request, page, "password_reset.html", context, status=410))
        except InvalidInput:
            errors = {"password": _("Use at least %(min)s characters.") % {"min": PASSWORD_MIN}}
            context = {"token": token, "errors": errors, "password_min": PASSWORD_MIN}
            return _private(render(request, page, "password_reset.html", context, status=422))
        context = {"done": True, "username": handle, "errors": {}}
        return _private(render(request, page, "password_reset.html", context))
