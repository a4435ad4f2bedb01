"""Outbound HTTP for federation: the SSRF guard and signed fetches of remote documents.

Anything a remote server names (a key id, an actor, an inbox) can point our
requests anywhere, including at the admin's own network. So every outbound
request goes through one guard: http(s) only (plain http only when this node
itself runs on http, i.e. a local set-up), and no private, loopback,
link-local or otherwise reserved address, whether written literally or
resolved from a name, unless ``KINFOLK_ALLOW_PRIVATE_ADDRESSES`` is set.
Redirects are followed by hand (at most three), so each hop is checked and
re-signed. Responses are read up to a cap (counted after any Content-Encoding
is undone) and may nest at most ``wire_json.MAX_DEPTH`` deep; a fetched
document must carry an ``id`` on the host it came from.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from federation.protocol import wire_json
from federation.protocol.vocab import ACTIVITY_JSON, LD_JSON, host_of
from federation.remote.open_files import ensure_open_files
from federation.signing import signatures
from federation.signing.keys import PrivateKey

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=15, sock_connect=5)


class FetchErrorKind(StrEnum):
    """Why a remote document could not be had, for callers that act on it (the pages say
    it in the visitor's language); ``FetchError.reason`` says it in words, for logs."""

    INVALID_ADDRESS = "invalid_address"  # not a URL, not http(s), not a handle name@host
    PLAIN_HTTP = "plain_http"  # http:// while this node runs on https
    PRIVATE_ADDRESS = "private_address"  # loopback, private, link-local… (the SSRF guard)
    REFUSED_BY_POLICY = "refused_by_policy"  # this node's federation policy
    NOT_FOUND = "not_found"  # answered 404 or 410
    HTTP_ERROR = "http_error"  # answered another status than 200 or a redirect
    UNREACHABLE = "unreachable"  # no answer: DNS, refused or reset connection, TLS…
    TIMEOUT = "timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    NOT_A_DOCUMENT = "not_a_document"  # not a JSON object, or a redirect to nowhere
    WRONG_ID = "wrong_id"  # the document speaks for another id than the one fetched
    NO_ACTOR = "no_actor"  # WebFinger names no ActivityPub actor
    NOT_AN_ACTOR = "not_an_actor"  # an actor (or group) document we cannot use
    NOT_A_GROUP = "not_a_group"  # an actor, but no group


class FetchError(Exception):
    """A remote document could not be had; ``kind`` says why for code, ``reason`` in
    words for logs and answers (``status``: the HTTP status, if there was one)."""

    def __init__(self, reason: str, *, kind: FetchErrorKind, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.status = status


def _status_error(url: str, status: int) -> FetchError:
    kind = FetchErrorKind.NOT_FOUND if status in {404, 410} else FetchErrorKind.HTTP_ERROR
    return FetchError(f"{url} answered {status}", kind=kind, status=status)


class _AddressRefused(OSError):
    """The guard refused what a name resolved to (aiohttp wraps resolver errors)."""


def _unreachable(url: str, exc: BaseException) -> FetchError:
    """Why a request got no answer: the guard, a timeout, or the network."""
    kind = FetchErrorKind.UNREACHABLE
    seen: BaseException | None = exc
    for _ in range(4):  # the error, and what aiohttp wrapped in it
        if seen is None:
            break
        if isinstance(seen, _AddressRefused):
            kind = FetchErrorKind.PRIVATE_ADDRESS
            break
        if isinstance(seen, TimeoutError):
            kind = FetchErrorKind.TIMEOUT
            break
        seen = seen.__cause__ or getattr(seen, "os_error", None)
    return FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}", kind=kind)


@dataclass(frozen=True)
class Egress:
    """What outbound requests may reach."""

    allow_private_addresses: bool
    allow_http: bool

    def check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - parsed lazily: a bad port or IPv6 literal raises here
        except ValueError:
            raise FetchError(
                f"not a valid URL: {url[:200]}", kind=FetchErrorKind.INVALID_ADDRESS
            ) from None
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise FetchError(
                f"not an http(s) URL: {url[:200]}", kind=FetchErrorKind.INVALID_ADDRESS
            )
        if parts.scheme == "http" and not self.allow_http:
            raise FetchError(
                f"plain http is refused (this node runs on https): {url[:200]}",
                kind=FetchErrorKind.PLAIN_HTTP,
            )
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return  # a name: checked again when it is resolved
        self.check_address(address)

    def check_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if self.allow_private_addresses:
            return
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"refusing to connect to non-public address {address}",
                kind=FetchErrorKind.PRIVATE_ADDRESS,
            )


class GuardedResolver(AbstractResolver):
    """A resolver that refuses names resolving to addresses ``Egress`` forbids."""

    def __init__(self, egress: Egress, inner: AbstractResolver | None = None) -> None:
        self._egress = egress
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            try:
                self._egress.check_address(ipaddress.ip_address(result["host"]))
            except FetchError as exc:
                raise _AddressRefused(f"{host}: {exc.reason}") from None
        return results

    async def close(self) -> None:
        await self._inner.close()


def client_session(egress: Egress, *, user_agent: str, limit: int = 256) -> aiohttp.ClientSession:
    """The one ``ClientSession`` a node uses for federation, with room for ``limit`` sockets."""
    ensure_open_files(limit)
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(egress), limit=limit, limit_per_host=0, ttl_dns_cache=300
    )
    return aiohttp.ClientSession(
        connector=connector, timeout=FETCH_TIMEOUT, headers={"User-Agent": user_agent}
    )


@dataclass(frozen=True)
class Signer:
    """Who signs fetches: the instance actor, so reads reveal no member."""

    key_id: str
    private_key: PrivateKey


async def fetch_document(
    http: aiohttp.ClientSession,
    egress: Egress,
    url: str,
    *,
    signer: Signer | None,
    now: Callable[[], datetime],
) -> dict[str, Any]:
    """GET an ActivityStreams document, signed, with every guard applied."""
    for _ in range(MAX_REDIRECTS + 1):
        egress.check_url(url)
        headers = {"Accept": f"{ACTIVITY_JSON}, {LD_JSON}"}
        if signer is not None:
            headers = signatures.sign_request(
                "GET",
                url,
                headers,
                b"",
                key_id=signer.key_id,
                private_key=signer.private_key,
                now=now(),
            )
        try:
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                if response.status in {301, 302, 303, 307, 308}:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(
                            f"redirect without Location from {url}",
                            kind=FetchErrorKind.NOT_A_DOCUMENT,
                        )
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise _status_error(url, response.status)
                body = await _read_capped(response)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _unreachable(url, exc) from None
        return _document(url, body)
    raise FetchError(
        f"more than {MAX_REDIRECTS} redirects starting at {url}",
        kind=FetchErrorKind.TOO_MANY_REDIRECTS,
    )


async def _read_capped(response: aiohttp.ClientResponse, cap: int = MAX_DOCUMENT_BYTES) -> bytes:
    if response.content_length is not None and response.content_length > cap:
        raise _too_large(cap)
    # read(n) returns what has arrived so far (up to n): a chunked answer comes in parts.
    body = bytearray()
    async for chunk in response.content.iter_chunked(65536):
        body += chunk
        if len(body) > cap:
            raise _too_large(cap)
    return bytes(body)


def _too_large(cap: int) -> FetchError:
    reason = f"document larger than {cap} bytes"
    return FetchError(reason, kind=FetchErrorKind.TOO_LARGE)


def _json_object(url: str, body: bytes) -> dict[str, Any]:
    try:
        document = wire_json.loads(body)
    except wire_json.TooDeep as exc:
        raise FetchError(f"{url} answered {exc}", kind=FetchErrorKind.NOT_A_DOCUMENT) from None
    except ValueError:
        raise FetchError(
            f"{url} did not answer with JSON", kind=FetchErrorKind.NOT_A_DOCUMENT
        ) from None
    if not isinstance(document, dict):
        raise FetchError(
            f"{url} did not answer with a JSON object", kind=FetchErrorKind.NOT_A_DOCUMENT
        )
    return document


def _document(url: str, body: bytes) -> dict[str, Any]:
    document = _json_object(url, body)
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or host_of(doc_id) != host_of(url):
        # Anyone can serve a document claiming any id; only its own host may speak for it.
        raise FetchError(
            f"the document at {url} claims the id {str(doc_id)[:200]!r}",
            kind=FetchErrorKind.WRONG_ID,
        )
    return document


async def fetch_json(http: aiohttp.ClientSession, egress: Egress, url: str) -> dict[str, Any]:
    """An unsigned GET of a small JSON document (WebFinger), with the same guards."""
    egress.check_url(url)
    try:
        async with http.get(
            url, headers={"Accept": "application/jrd+json, application/json"}, allow_redirects=False
        ) as response:
            if response.status != 200:
                raise _status_error(url, response.status)
            body = await _read_capped(response)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise _unreachable(url, exc) from None
    return _json_object(url, body)


@dataclass(frozen=True)
class FetchedFile:
    """A file fetched with ``fetch_file``: its body (None: unchanged since the validators
    sent), and the validators to send next time."""

    body: bytes | None
    etag: str
    last_modified: str


async def fetch_file(
    http: aiohttp.ClientSession,
    egress: Egress,
    url: str,
    *,
    max_bytes: int,
    etag: str = "",
    last_modified: str = "",
) -> FetchedFile:
    """An unsigned GET of a file that is no ActivityStreams document (a blocklist), with
    the same guards, redirects checked hop by hop, and If-None-Match/If-Modified-Since."""
    headers = {"If-None-Match": etag} if etag else {}
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _ in range(MAX_REDIRECTS + 1):
        egress.check_url(url)
        try:
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                location = response.headers.get("Location")
                if response.status in {301, 302, 303, 307, 308} and location:
                    url = urljoin(url, location)
                    continue
                if response.status == 304:
                    return FetchedFile(None, etag, last_modified)
                if response.status != 200:
                    raise _status_error(url, response.status)
                body = await _read_capped(response, max_bytes)
                return FetchedFile(
                    body,
                    response.headers.get("ETag", ""),
                    response.headers.get("Last-Modified", ""),
                )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise _unreachable(url, exc) from None
    raise FetchError(
        f"more than {MAX_REDIRECTS} redirects starting at {url}",
        kind=FetchErrorKind.TOO_MANY_REDIRECTS,
    )
