"""What every answer tells the browser it may do with it, and what it may keep.

One middleware, outside every other, so pages, the API, ActivityPub documents,
problem documents and static files all carry the same headers:

- ``Content-Security-Policy``: everything from this node only, no inline script
  or style (the pages have neither: no script at all, styles in
  ``/static/kinfolk.css``, no ``on…=`` handlers), no plugins, no ``<base>``,
  forms posting only here, and no framing. Should a post's sanitised HTML ever
  let markup through, it could still not run or load anything.
- ``X-Frame-Options: DENY`` says the same as ``frame-ancestors`` to older browsers
  (no clickjacking of the moderation buttons).
- ``X-Content-Type-Options: nosniff``: a JSON or text answer is never read as a
  page or a script, whatever a member managed to put in it.
- ``Referrer-Policy: same-origin``: a link followed out of a post does not tell
  the other site which group or thread the reader was in.
- ``Cache-Control: no-store`` on every answer to a request that carries
  credentials (the session cookie, a bearer token, an HTTP signature): only
  such requests ever get private content (a private group's pages and
  documents answer 404 to anyone else), so on a shared computer the back button
  shows nothing once the member has signed out, and no cache keeps what a
  member or a peer node was shown. Anonymous answers (public pages, public AS2
  documents) stay cacheable as before, and static files always are.
"""

from __future__ import annotations

from aiohttp import web

from web.pages.session import SESSION_COOKIE
from web.problems import Handler

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
STATIC_PREFIX = "/static/"
# Request headers that carry who is asking: a session, a token, a signing node.
_CREDENTIAL_HEADERS = ("Authorization", "Signature", "Signature-Input")


def carries_credentials(request: web.Request) -> bool:
    """Whether the answer may depend on who is asking (so may be private)."""
    return SESSION_COOKIE in request.cookies or any(
        name in request.headers for name in _CREDENTIAL_HEADERS
    )


def _add_headers(request: web.Request, answer: web.StreamResponse | web.HTTPException) -> None:
    for name, value in SECURITY_HEADERS.items():
        answer.headers.setdefault(name, value)
    if carries_credentials(request) and not request.path.startswith(STATIC_PREFIX):
        answer.headers["Cache-Control"] = "no-store"


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the security headers (and ``no-store`` where the answer may be private)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect raised past the problems middleware
        _add_headers(request, exc)
        raise
    _add_headers(request, response)
    return response
