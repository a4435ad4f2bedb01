"""Who is signed in to the pages, and proof that a form came from our own page.

A page session is an API token (``node.accounts``) kept in an ``HttpOnly``,
``SameSite=Lax`` cookie (``Secure`` when the node is served over https): one kind
of credential for the API and the pages, so both get the same permission checks,
the same expiry and the same revocation.

Every form carries a CSRF token: an HMAC, under the node's secret, of the session
token, or, before sign-in, of a random value in its own cookie. Another site can
make a browser send our cookies, but cannot read them, so it cannot compute the
token; tying it to the session (not only to a cookie) means a token seen before
sign-in is worthless after it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node import accounts
from node.errors import AuthenticationFailed, PermissionDenied
from node.views import Viewer
from web.keys import CLOCK, SETTINGS

SESSION_COOKIE = "kinfolk_session"
CSRF_COOKIE = "kinfolk_csrf"
CSRF_FIELD = "csrf_token"

log = logging.getLogger(__name__)


class CsrfRefused(Exception):
    """A form arrived without the token of a page we served to this browser."""


def _secure(request: web.Request) -> bool:
    return request.app[SETTINGS].base_url.startswith("https://")


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
        path="/",
        max_age=int(accounts.TOKEN_LIFETIME.total_seconds()),
    )


async def page_viewer(request: web.Request, session: AsyncSession) -> Viewer | None:
    """The member signed in to this browser, or None (an expired or revoked session,
    or a suspended account, counts as signed out)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return await accounts.viewer_for_token(session, token, now=request.app[CLOCK]())
    except (AuthenticationFailed, PermissionDenied):
        return None


async def signed_in(request: web.Request, session: AsyncSession) -> Viewer:
    """The signed-in member, or a redirect to the sign-in page that comes back here."""
    viewer = await page_viewer(request, session)
    if viewer is None:
        raise web.HTTPSeeOther(location=f"/signin?next={quote(request.path_qs, safe='')}")
    return viewer


def _anonymous_seed(request: web.Request) -> str | None:
    return request.cookies.get(CSRF_COOKIE)


def csrf_token(request: web.Request, seed: str) -> str:
    key = request.app[SETTINGS].secret_key.encode()
    return hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def form_seed(request: web.Request) -> tuple[str, bool]:
    """What this browser's form tokens derive from, and whether it is a new anonymous
    seed that the response must set as a cookie."""
    seed = request.cookies.get(SESSION_COOKIE) or _anonymous_seed(request)
    if seed:
        return seed, False
    return secrets.token_urlsafe(32), True


def check_csrf(request: web.Request, submitted: str | None) -> None:
    seed = request.cookies.get(SESSION_COOKIE) or _anonymous_seed(request)
    if not seed or not submitted or not hmac.compare_digest(csrf_token(request, seed), submitted):
        log.warning(
            "form refused: missing or wrong CSRF token on %s %s", request.method, request.path
        )
        raise CsrfRefused
