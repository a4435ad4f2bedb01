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
from web.pages.session import CsrfRefused
from web.pages.throttle import SignInThrottle
from web.pages.transaction import transaction

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

Handler = Callable[[web.Request], Awaitable[web.Response]]
log = logging.getLogger(__name__)


def _guarded(handler: Handler) -> Handler:
    """Turn a refused form into a page that says why, with the right status."""

    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (CsrfRefused, FormRefused) as refusal:
            async with transaction(request) as session:
                page = await frame(request, session, None)
            _ = gettext_for(request, page.locale)
            if isinstance(refusal, CsrfRefused):
                status, message = (
                    403,
                    _(
                        "This form has expired or did not come from this site. Please go back, "
                        "reload the page and try again."
                    ),
                )
            else:
                log.warning("form refused on %s: %s", request.path, refusal.reason)
                status, message = refusal.status, _("This form could not be read.")
            context = {"title": _("Form not accepted"), "message": message}
            return render(request, page, "message.html", context, status=status)

    return guarded


async def _catalogues(app: web.Application) -> AsyncIterator[None]:
    app[PAGES] = build_catalogues()
    app[THROTTLE] = SignInThrottle()
    yield


def add_page_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_catalogues)
    app.router.add_get("/", home)
    app.router.add_get("/signup", signup_form)
    app.router.add_post("/signup", _guarded(signup))
    app.router.add_get("/signin", signin_form)
    app.router.add_post("/signin", _guarded(signin))
    app.router.add_post("/signout", _guarded(signout))
    app.router.add_get("/language/{code}", choose_language)
    app.router.add_static("/static", STATIC_DIR)
