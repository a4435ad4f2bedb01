"""The web interface: server-rendered pages for members, moderators and admins.

Pages are thin like the API: they read a form, call the same domain services (so
the same permission checks apply), and render a template in the visitor's
language. They work without JavaScript. Every form is CSRF-protected; a form that
cannot be read is answered with a page that says why, in the visitor's language,
and a log line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import web

from node.errors import AuthenticationFailed, NotFound, PermissionDenied
from web.pages.auth import (
    THROTTLE,
    choose_language,
    signin,
    signin_form,
    signout,
    signup,
    signup_form,
)
from web.pages.forms import FormRefused
from web.pages.home import home
from web.pages.render import PAGES, build_catalogues, frame, gettext_for, render
from web.pages.session import CsrfRefused, page_viewer
from web.pages.throttle import SignInThrottle
from web.pages.transaction import transaction

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

Handler = Callable[[web.Request], Awaitable[web.Response]]
log = logging.getLogger(__name__)


Refusal = CsrfRefused | FormRefused | NotFound | PermissionDenied | AuthenticationFailed


def _refusal(refusal: Refusal, _: Callable[[str], str]) -> tuple[int, str, str]:
    """Status, title and message of the page that says why a request was refused."""
    if isinstance(refusal, CsrfRefused):
        return 403, _("Form not accepted"), _(
            "This form has expired or did not come from this site. Please go back, reload "
            "the page and try again."
        )  # fmt: skip
    if isinstance(refusal, FormRefused):
        return refusal.status, _("Form not accepted"), _("This form could not be read.")
    if isinstance(refusal, NotFound):
        return 404, _("Not found"), _("This page does not exist, or it is not visible to you.")
    return 403, _("Not allowed"), _("You are not allowed to do this.")


def _guarded(handler: Handler) -> Handler:
    """Turn a refused form, or a domain refusal a page did not handle itself, into a page
    that says why in the visitor's language, with the right status and a log line."""

    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (CsrfRefused, FormRefused, NotFound, PermissionDenied,
                AuthenticationFailed) as refusal:  # fmt: skip
            if not isinstance(refusal, CsrfRefused):  # that one is logged where it is decided
                log.info("page refused on %s %s: %s", request.method, request.path, refusal)
            async with transaction(request) as session:
                page = await frame(request, session, await page_viewer(request, session))
            status, title, message = _refusal(refusal, gettext_for(request, page.locale))
            context = {"title": title, "message": message}
            return render(request, page, "message.html", context, status=status)

    return guarded


async def _catalogues(app: web.Application) -> AsyncIterator[None]:
    app[PAGES] = build_catalogues()
    app[THROTTLE] = SignInThrottle()
    yield


def add_page_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_catalogues)
    # Each page module's routes, every one guarded.
    for method, path, handler in (
        ("GET", "/", home),
        ("GET", "/signup", signup_form),
        ("POST", "/signup", signup),
        ("GET", "/signin", signin_form),
        ("POST", "/signin", signin),
        ("POST", "/signout", signout),
        ("GET", "/language/{code}", choose_language),
    ):
        app.router.add_route(method, path, _guarded(handler))
    app.router.add_static("/static", STATIC_DIR)
