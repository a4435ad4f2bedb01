"""A remote inbox on a loopback port that records, verifies and answers as told.

Each ``FakeInbox`` is one remote host (``127.0.0.1:PORT``). It verifies every
request's signature with our own verifiers (``federation.signing.rfc9421`` when it
carries ``Signature-Input``, else ``federation.signing.signatures``) against the
sending actor's public key its ``keyId`` names and the test's clock, records it
on arrival, and answers from a script of ``Reply`` values (then 202). It can
refuse a signature standard with 401 (a draft-cavage-only peer, or one that
takes RFC 9421 with RSA only, for double-knocking), hold requests until a
number of them are in flight together (proof of concurrency), or hold them
until a gate opens (a hanging peer, for the killed-worker test).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.signing import rfc9421, signatures
from federation.signing.keys import PublicKey
from federation.signing.policy import Rejected

_NAMES = {"cavage": "draft-cavage", "rfc9421": "RFC 9421", "ed25519": "RFC 9421 Ed25519"}
HOLD_DEADLINE = 5.0  # seconds a held request waits at most for its companions


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 202
    retry_after: str | None = None


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    path: str
    standard: str  # "cavage", "rfc9421" (RSA), "ed25519" (RFC 9421) or "unsigned"
    problem: str | None  # why the signature did not verify; None if it did
    key_id: str | None
    content_type: str
    activity: dict[str, Any]
    status: int  # what we answered (or will answer, for a held request)

    @property
    def verified(self) -> bool:
        return self.problem is None

    @classmethod
    def of(
        cls,
        request: web.Request,
        body: bytes,
        check: tuple[str, str | None, str | None],
        status: int,
    ) -> Received:
        """A request as it arrived, with what ``verify_signed`` said of it."""
        standard, problem, key_id = check
        return cls(
            path=request.path,
            standard=standard,
            problem=problem,
            key_id=key_id,
            content_type=request.headers.get("Content-Type", ""),
            activity=json.loads(body) if body else {},
            status=status,
        )


class FakeInbox:
    """One fake remote host; ``await start()``, then POST to ``url(path)``."""

    def __init__(
        self,
        public_keys: Mapping[str, PublicKey],
        clock: Callable[[], datetime],
        *,
        refuse: str | None = None,
    ) -> None:
        self.public_keys = public_keys  # by key id
        self.refuse = refuse  # a signature standard answered 401 whatever the signature
        self.received: list[Received] = []
        self.max_concurrent = 0
        self.gate: asyncio.Event | None = None  # while set to an unset event, requests hang
        self._clock = clock
        self._script: deque[Reply] = deque()
        self._scripted: list[tuple[Callable[[str, dict[str, Any]], bool], deque[Reply]]] = []
        self._concurrent = 0
        self._hold_until = 0
        self._together = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/inbox") -> str:
        return f"http://{self.host}{path}"

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order (then 202 again)."""
        self._script.extend(replies)

    def script_for(self, when: Callable[[str, dict[str, Any]], bool], *replies: Reply) -> None:
        """Answer the next requests for which ``when(path, activity)`` holds with ``replies``:
        requests of one batch to different objects arrive in no particular order."""
        self._scripted.append((when, deque(replies)))

    def _next_reply(self, path: str, activity: dict[str, Any]) -> Reply:
        for when, replies in self._scripted:
            if replies and when(path, activity):
                return replies.popleft()
        return self._script.popleft() if self._script else Reply()

    def hold_until_concurrent(self, count: int) -> None:
        """Hold each request until ``count`` are in flight together (or a deadline passes)."""
        self._hold_until = count

    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self.gate is not None:
            self.gate.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        url = f"http://{request.host}{request.raw_path}"
        headers = dict(request.headers)
        standard, problem, key_id = self._verify(url, headers, body)
        reply = Reply(401) if problem else self._next_reply(request.path, json.loads(body or "{}"))
        self.received.append(Received.of(request, body, (standard, problem, key_id), reply.status))
        self._concurrent += 1
        self.max_concurrent = max(self.max_concurrent, self._concurrent)
        try:
            await self._hold()
        finally:
            self._concurrent -= 1
            if not self._concurrent:
                self._together.clear()  # the next round must gather again
        extra = {"Retry-After": reply.retry_after} if reply.retry_after else {}
        return web.Response(status=reply.status, text=problem or "", headers=extra)

    async def _hold(self) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self._hold_until:
            if self._concurrent >= self._hold_until:
                self._together.set()
            await asyncio.wait_for(self._together.wait(), HOLD_DEADLINE)

    def _verify(
        self, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, str | None, str | None]:
        key = self.public_keys.get(signed_key_id(headers) or "")
        return verify_signed(url, headers, body, key, self._clock(), self.refuse)


def signed_key_id(headers: Mapping[str, str]) -> str | None:
    """The keyId a request claims (RFC 9421's first signature, else draft-cavage's)."""
    lowered = {k.lower() for k in headers}
    if "signature-input" in lowered:
        parsed = rfc9421.parse_signatures(headers)
        return None if isinstance(parsed, Rejected) else parsed[0].keyid
    params = signatures.parse_signature(headers)
    return None if isinstance(params, Rejected) else params.key_id


def verify_signed(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: PublicKey | None,
    now: datetime,
    refuse: str | None = None,
) -> tuple[str, str | None, str | None]:
    """Verify a POST with our own verifiers: (standard, problem or None, keyId).

    ``key`` None means the signer's key could not be had; ``refuse`` names a
    standard answered as unacceptable whatever the signature."""
    lowered = {k.lower() for k in headers}
    standard = "rfc9421" if "signature-input" in lowered else "cavage"
    if standard == "cavage" and "signature" not in lowered:
        return "unsigned", "request is not signed", None
    if standard == "rfc9421" and isinstance(key, ed25519.Ed25519PublicKey):
        standard = "ed25519"
    if refuse == standard:
        return standard, f"{_NAMES[standard]} signatures are not accepted here", None
    key_id = signed_key_id(headers)
    if key is None:
        return standard, f"the key {key_id} could not be fetched", key_id
    verify = signatures.verify_request if standard == "cavage" else rfc9421.verify_request
    return standard, _problem(verify("POST", url, headers, body, key=key, now=now)), key_id


def _problem(result: object) -> str | None:
    return result.reason if isinstance(result, Rejected) else None
