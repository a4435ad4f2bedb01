"""One signed POST of an activity to an inbox, double-knocking when needed.

Design note (FEP-844e): every peer we know of accepts draft-cavage
(``rsa-sha256``, covering ``(request-target) host date digest content-type``,
as Mastodon expects), so a host whose signature standard is unknown gets it
first. RFC 9421 goes first to hosts known to accept it (they signed their own
requests to us with it, advertise it in ``generator.implements``, or accepted it
before): signed with the actor's Ed25519 key (its FEP-521a Multikey) where the
host is known to take ``ed25519``, which costs a tenth of an RSA signature, else
``rsa-v1_5-sha256`` with the RSA key every peer can fetch as ``#main-key``.
Whichever goes first, a 400, 401 or 403 is answered at once by the same request
signed the other way: draft-cavage after RFC 9421, RFC 9421 (RSA) after
draft-cavage. The result names what was learnt (an RFC 9421 form accepted, or
RFC 9421 refused and draft-cavage accepted) so the caller can remember it per
host; a plain draft-cavage success teaches nothing. RSA signatures are made in
the signing threads (``federation.signing.pool``), not on the event loop.
Errors are values: a network failure or timeout is ``status=None`` with a
message, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiohttp

from federation.delivery.destinations import CAVAGE, ED25519, RFC9421
from federation.signing import rfc9421, signatures
from federation.signing.keystore import LocalKeys
from federation.signing.policy import http_date
from federation.signing.pool import off_loop

CONTENT_TYPE = "application/activity+json"
REFUSED_SIGNATURE = frozenset({400, 401, 403})
_ERROR_SNIPPET = 300  # bytes of a refusal's body kept for last_error


@dataclass(frozen=True)
class SendResult:
    """The final answer to one delivery (after any second knock)."""

    status: int | None  # None: no HTTP answer (network error, timeout)
    retry_after: str | None = None
    error: str | None = None
    standard: str | None = None  # what this taught us of the host's signature standard
    requests: int = 1

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def post_activity(
    http: aiohttp.ClientSession,
    inbox: str,
    body: bytes,
    keys: LocalKeys,
    *,
    standard: str | None,
    now: datetime,
    client_timeout: aiohttp.ClientTimeout,
    user_agent: str,
) -> SendResult:
    """POST ``body`` to ``inbox`` signed by ``keys``, knocking twice if the host needs it."""
    base = {"Content-Type": CONTENT_TYPE, "User-Agent": user_agent, "Date": http_date(now)}
    first = standard if standard in (RFC9421, ED25519) else CAVAGE
    order = (first, CAVAGE) if first != CAVAGE else (CAVAGE, RFC9421)
    result = SendResult(None)
    for knock, style in enumerate(order, start=1):
        headers = await _signed(style, inbox, base, body, keys, now)
        result = await _post(http, inbox, body, headers, client_timeout)
        if result.ok:
            learnt = style if style != CAVAGE or knock == 2 else None
            return _with(result, learnt, knock)
        if result.status not in REFUSED_SIGNATURE:
            return _with(result, None, knock)
    return _with(result, None, len(order))


async def _signed(
    style: str, inbox: str, base: dict[str, str], body: bytes, keys: LocalKeys, now: datetime
) -> dict[str, str]:
    if style == ED25519:
        return rfc9421.sign_request(
            "POST", inbox, base, body, key_id=keys.ed25519_key_id, private_key=keys.ed25519, now=now
        )
    sign = rfc9421.sign_request if style == RFC9421 else signatures.sign_request
    return await off_loop(
        sign, "POST", inbox, base, body, key_id=keys.rsa_key_id, private_key=keys.rsa, now=now
    )


def _with(result: SendResult, standard: str | None, requests: int) -> SendResult:
    return SendResult(result.status, result.retry_after, result.error, standard, requests)


async def _post(
    http: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    client_timeout: aiohttp.ClientTimeout,
) -> SendResult:
    try:
        async with http.post(
            url, data=body, headers=headers, timeout=client_timeout, allow_redirects=False
        ) as response:
            # Bounded reads: an inbox answer is tiny, whatever a hostile peer sends.
            snippet = await response.content.read(_ERROR_SNIPPET)
            if 200 <= response.status < 300:
                return SendResult(response.status)
            reason = snippet.decode("utf-8", "replace").strip() or (response.reason or "")
            error = f"HTTP {response.status}: {reason}"
            return SendResult(response.status, response.headers.get("Retry-After"), error)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return SendResult(None, None, f"{type(exc).__name__}: {exc}".strip().rstrip(":"))
