"""Outbound HTTP for federation: the SSRF guard and signed fetches of remote documents.

Anything a remote server names (a key id, an actor, an inbox) can point our
requests anywhere, including at the admin's own network. So every outbound
request goes through one guard: http(s) only (plain http only when this node
itself runs on http, i.e. a local set-up), and no private, loopback,
link-local or otherwise reserved address, whether written literally or
resolved from a name, unless ``KINFOLK_ALLOW_PRIVATE_ADDRESSES`` is set.
Redirects are followed by hand (at most three), so each hop is checked and
re-signed. Responses are read up to a cap; a fetched document must carry an
``id`` on the host it came from.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from federation import signatures
from federation.keys import PrivateKey
from federation.vocab import ACTIVITY_JSON, LD_JSON, host_of

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=15, sock_connect=5)


class FetchError(Exception):
    """A remote document could not be had; ``reason`` says why, for logs and answers."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


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
            raise FetchError(f"not a valid URL: {url[:200]}") from None
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {url[:200]}")
        if parts.scheme == "http" and not self.allow_http:
            raise FetchError(f"plain http is refused (this node runs on https): {url[:200]}")
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
            raise FetchError(f"refusing to connect to non-public address {address}")


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
                raise OSError(f"{host}: {exc.reason}") from None
        return results

    async def close(self) -> None:
        await self._inner.close()


def client_session(egress: Egress, *, user_agent: str, limit: int = 256) -> aiohttp.ClientSession:
    """The one ``ClientSession`` a node uses for federation."""
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
                "GET", url, headers, b"", key_id=signer.key_id,
                private_key=signer.private_key, now=now(),
            )  # fmt: skip
        try:
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                if response.status in {301, 302, 303, 307, 308}:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"redirect without Location from {url}")
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise FetchError(f"{url} answered {response.status}", status=response.status)
                body = await _read_capped(response)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None
        return _document(url, body)
    raise FetchError(f"more than {MAX_REDIRECTS} redirects starting at {url}")


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    if response.content_length is not None and response.content_length > MAX_DOCUMENT_BYTES:
        raise FetchError(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise FetchError(f"document larger than {MAX_DOCUMENT_BYTES} bytes")
    return body


def _json_object(url: str, body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise FetchError(f"{url} did not answer with JSON") from None
    if not isinstance(document, dict):
        raise FetchError(f"{url} did not answer with a JSON object")
    return document


def _document(url: str, body: bytes) -> dict[str, Any]:
    document = _json_object(url, body)
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or host_of(doc_id) != host_of(url):
        # Anyone can serve a document claiming any id; only its own host may speak for it.
        raise FetchError(f"the document at {url} claims the id {str(doc_id)[:200]!r}")
    return document


async def fetch_json(http: aiohttp.ClientSession, egress: Egress, url: str) -> dict[str, Any]:
    """An unsigned GET of a small JSON document (WebFinger), with the same guards."""
    egress.check_url(url)
    try:
        async with http.get(url, headers={"Accept": "application/jrd+json, application/json"},
                            allow_redirects=False) as response:  # fmt: skip
            if response.status != 200:
                raise FetchError(f"{url} answered {response.status}", status=response.status)
            body = await _read_capped(response)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None
    return _json_object(url, body)
