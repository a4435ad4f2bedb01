"""One node's federation machinery, built once per process and shared.

``Federation`` holds what every federation task needs: the node's identity,
database sessions, the guarded HTTP client, the clock, and the key ring that
resolves a signature's ``keyId`` to a public key. Key fetches are cached in the
database and single-flight in memory: fifty simultaneous requests from a new
actor cause one fetch, and a request that found no key just before another
request's fetch of it finished uses that fetch instead of starting its own
(``since``: under load, S4 saw the fifty cause two). Keys used lately are
also held in memory, and read again from the database after a minute, so what
another process changed there (an account that deleted itself, whose keys go)
is seen within that.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation import metrics
from federation.inbox.writer import InboxWriter
from federation.policy_cache import PolicyCache
from federation.protocol.vocab import Malformed, host_of, id_of, same_origin
from federation.remote.actors import (
    ActorDocument,
    RemoteKey,
    account_deleted,
    cached_key,
    parse_actor,
    store_actor,
)
from federation.remote.http import (
    Egress,
    FetchError,
    FetchErrorKind,
    Signer,
    fetch_document,
    fetch_json,
)
from federation.signing.instance import instance_actor
from federation.signing.keystore import local_keys
from federation.signing.policy import TimeWindow
from node.site import Site

# Read-only: the actor rows that resolve/store/lookup hand back to callers.
from node.storage.models.actors import Actor

log = logging.getLogger("kinfolk.federation")

KEY_CACHE_SIZE = 10_000
KEY_MEMORY_SECONDS = 60.0  # how long a key is believed from memory before the database
ALIVE_INTERVAL = 60.0  # seconds between "this host is alive" writes per host
# Seconds between fetches of one key because a signature failed with it: a rotated key is
# fetched again at once, but forged signatures naming someone's key cannot make us fetch
# it on every request (S9, bench/README.md).
KEY_REFETCH_INTERVAL = 60.0


@dataclass
class OncePer:
    """Says yes to a name at most once per ``seconds`` (bounded: forgets all when full)."""

    seconds: float
    _last: dict[str, float] = field(default_factory=dict)

    def first(self, name: str) -> bool:
        now = time.monotonic()
        if now - self._last.get(name, -self.seconds) < self.seconds:
            return False
        if len(self._last) > KEY_CACHE_SIZE:
            self._last.clear()
        self._last[name] = now
        return True


@dataclass
class Federation:
    site: Site
    sessions: async_sessionmaker[AsyncSession]
    http: aiohttp.ClientSession
    egress: Egress
    clock: Callable[[], datetime]
    window: TimeWindow
    authorized_fetch: bool = False
    _signer: Signer | None = None
    _inflight: dict[str, asyncio.Future[RemoteKey | None]] = field(default_factory=dict)
    # Fetches finished lately: key id -> (time.monotonic() when, what it found).
    _fetched: dict[str, tuple[float, RemoteKey | None]] = field(default_factory=dict)
    # Recently used keys (with when they were read), so a busy inbox verifies without a
    # database read.
    _recent: OrderedDict[str, tuple[float, RemoteKey]] = field(default_factory=OrderedDict)

    _alive: OncePer = field(default_factory=lambda: OncePer(ALIVE_INTERVAL))
    _refetches: OncePer = field(default_factory=lambda: OncePer(KEY_REFETCH_INTERVAL))
    _signs_with: dict[str, str] = field(default_factory=dict)  # host -> RFC 9421 form
    # Accepted activities are committed in shared transactions (group commit).
    inbox_writer: InboxWriter = field(init=False)
    # The admin's federation policy, reloaded every few seconds.
    policy: PolicyCache = field(init=False)

    def __post_init__(self) -> None:
        self.inbox_writer = InboxWriter(self.sessions)
        self.policy = PolicyCache(self.sessions)

    async def check_policy(self, url_or_host: str) -> None:
        """Raise ``FetchError`` if federation policy refuses the host of ``url_or_host``."""
        try:
            host = host_of(url_or_host) if "://" in url_or_host else url_or_host.lower()
        except ValueError:
            raise FetchError(
                f"not a valid URL: {url_or_host[:200]}", kind=FetchErrorKind.INVALID_ADDRESS
            ) from None
        reason = await self.policy.refusal(host)
        if reason is not None:
            raise FetchError(
                f"{host} is refused by this node's federation policy: {reason}",
                kind=FetchErrorKind.REFUSED_BY_POLICY,
            )

    def host_may_be_failing(self, host: str) -> bool:
        """False when we marked ``host`` alive within the last minute (no need again)."""
        return self._alive.first(host)

    def may_refetch(self, key_id: str) -> bool:
        """Whether a key that failed a signature may be fetched again now (once a minute)."""
        return self._refetches.first(key_id)

    def newly_signs_with(self, host: str, standard: str) -> bool:
        """True the first time (per process) ``host`` signs to us with this RFC 9421 form."""
        if self._signs_with.get(host) == standard:
            return False
        if len(self._signs_with) > KEY_CACHE_SIZE:
            self._signs_with.clear()
        self._signs_with[host] = standard
        return True

    def _remember(self, key: RemoteKey) -> RemoteKey:
        self._recent[key.key_id] = (time.monotonic(), key)
        self._recent.move_to_end(key.key_id)
        while len(self._recent) > KEY_CACHE_SIZE:
            self._recent.popitem(last=False)
        return key

    def forget_keys_of(self, owner: str) -> None:
        """Stop believing ``owner``'s keys from memory (its account was deleted here)."""
        for key_id in [k for k, (_, key) in self._recent.items() if key.owner == owner]:
            del self._recent[key_id]

    async def cached_key(self, key_id: str) -> RemoteKey | None:
        """A key we already hold (memory, then database), without fetching."""
        held = self._recent.get(key_id)
        if held is not None and time.monotonic() - held[0] < KEY_MEMORY_SECONDS:
            self._recent.move_to_end(key_id)
            return held[1]
        async with self.sessions() as session:
            found = await cached_key(session, key_id)
        if found is None:
            self._recent.pop(key_id, None)
            return None
        return self._remember(found)

    async def account_deleted(self, uri: str) -> bool:
        """Whether the actor ``uri`` deleted its account (``federation.inbox.account_deletion``)."""
        async with self.sessions() as session:
            return await account_deleted(session, uri)

    async def signer(self) -> Signer:
        """The instance actor's RSA key, which signs every fetch."""
        if self._signer is None:
            async with self.sessions.begin() as session:
                actor = await instance_actor(session, self.site, now=self.clock())
                keys = await local_keys(session, actor, now=self.clock())
            self._signer = Signer(keys.rsa_key_id, keys.rsa)
        return self._signer

    async def fetch(self, url: str) -> dict[str, Any]:
        await self.check_policy(url)
        return await fetch_document(
            self.http, self.egress, url, signer=await self.signer(), now=self.clock
        )

    async def resolve_actor(self, uri: str) -> Actor:
        """Fetch an actor's document and store what we need of it."""
        try:
            document = parse_actor(await self.fetch(uri))
        except Malformed as exc:
            raise FetchError(
                f"{uri} is not a usable actor: {exc}", kind=FetchErrorKind.NOT_AN_ACTOR
            ) from None
        if document.uri != uri.split("#", 1)[0]:
            raise FetchError(f"{uri} describes {document.uri}", kind=FetchErrorKind.WRONG_ID)
        async with self.sessions.begin() as session:
            return await self.store(session, document)

    async def store(self, session: AsyncSession, document: ActorDocument) -> Actor:
        """Store a remote actor whose inboxes we may send to (checked here, once). An account
        that deleted itself is not brought back by a document that still names it."""
        for inbox in filter(None, (document.inbox, document.shared_inbox)):
            self.egress.check_url(inbox)
        if await account_deleted(session, document.uri):
            raise FetchError(f"{document.uri} deleted its account", kind=FetchErrorKind.NOT_FOUND)
        return await store_actor(session, document, now=self.clock())

    async def lookup(self, handle: str) -> Actor:
        """Find ``name@host`` (``@name@host``, ``!name@host``) by WebFinger and store it."""
        return await self.resolve_actor(await self.webfinger(handle))

    async def webfinger(self, handle: str) -> str:
        """The actor URI of ``name@host`` (``@name@host``, ``!name@host``), by WebFinger."""
        name, _, host = handle.lstrip("@!").partition("@")
        if not name or not host:
            raise FetchError(
                f"{handle!r} is not a handle of the form name@host",
                kind=FetchErrorKind.INVALID_ADDRESS,
            )
        await self.check_policy(host)
        schemes = ["https", "http"] if self.egress.allow_http else ["https"]
        last: FetchError | None = None
        for scheme in schemes:
            url = f"{scheme}://{host}/.well-known/webfinger?resource=acct:{name}@{host}"
            try:
                jrd = await fetch_json(self.http, self.egress, url)
            except FetchError as exc:
                last = exc
                continue
            for link in jrd.get("links", []):
                if (
                    isinstance(link, dict)
                    and link.get("rel") == "self"
                    and isinstance(link.get("href"), str)
                ):
                    return str(link["href"])
            raise FetchError(f"{handle} has no ActivityPub actor", kind=FetchErrorKind.NO_ACTOR)
        assert last is not None
        raise last

    async def key(
        self, key_id: str, *, refresh: bool = False, since: float | None = None
    ) -> RemoteKey | None:
        """The public key named ``key_id``: from the database, else fetched (once at a time).

        ``since`` (``time.monotonic()``): when the caller found the key missing; a
        fetch that finished after that answers for this one too."""
        if not refresh:
            found = await self.cached_key(key_id)
            if found is not None:
                return found
        fetched = self._fetched.get(key_id)
        if since is not None and fetched is not None and fetched[0] >= since:
            return fetched[1]
        self._recent.pop(key_id, None)
        pending = self._inflight.get(key_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[RemoteKey | None] = asyncio.get_running_loop().create_future()
        self._inflight[key_id] = future
        try:
            result = await self._fetch_key(key_id)
        except BaseException as exc:
            metrics.key_fetch_failed(exc)
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it twice
            raise
        finally:
            del self._inflight[key_id]
        if len(self._fetched) > KEY_CACHE_SIZE:
            self._fetched.clear()
        self._fetched[key_id] = (time.monotonic(), result)
        future.set_result(result)
        metrics.key_fetched(result is not None)
        return None if result is None else self._remember(result)

    async def _fetch_key(self, key_id: str) -> RemoteKey | None:
        document = await self.fetch(key_id.split("#", 1)[0])
        owner = id_of(document.get("owner")) or id_of(document.get("controller"))
        if owner and "inbox" not in document:
            # A standalone key document: its owner (on the same host) is the actor.
            if not same_origin(owner, key_id):
                raise FetchError(
                    f"key {key_id} names an owner on another host: {owner}",
                    kind=FetchErrorKind.WRONG_ID,
                )
            document = await self.fetch(owner)
        try:
            actor = parse_actor(document)
        except Malformed as exc:
            raise FetchError(
                f"the owner of {key_id} is not a usable actor: {exc}",
                kind=FetchErrorKind.NOT_AN_ACTOR,
            ) from None
        async with self.sessions.begin() as session:
            await self.store(session, actor)
        return next((k for k in actor.keys if k.key_id == key_id), None)
