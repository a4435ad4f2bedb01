"""Why a remote document could not be had, as a kind code can act on: one test per kind,
where federation raises it (the SSRF guard, the fetches, the federation context, and
finding a group elsewhere), against a small local server."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.protocol.wire_json import MAX_DEPTH
from federation.remote.groups import find_group
from federation.remote.http import (
    MAX_DOCUMENT_BYTES,
    Egress,
    FetchError,
    FetchErrorKind,
    GuardedResolver,
    client_session,
    fetch_document,
    fetch_json,
)
from federation.signing.policy import TimeWindow
from node.federation_policy import storage
from node.site import Site
from tests.pieces import gzip_bomb

Kind = FetchErrorKind
OPEN = Egress(allow_private_addresses=True, allow_http=True)
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]


def _actor(base: str, name: str, kind: str = "Person", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{base}/{name}",
        "type": kind,
        "preferredUsername": name,
        "inbox": f"{base}/{name}/inbox",
        **extra,
    }


def _app() -> web.Application:
    """A node that gets everything wrong, one address at a time."""

    def base(request: web.Request) -> str:
        return f"http://{request.host}"

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]))

    async def loop(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "/loop"})

    async def nowhere(request: web.Request) -> web.Response:
        return web.Response(status=302)

    async def declared_large(request: web.Request) -> web.Response:
        return web.Response(body=b" " * (MAX_DOCUMENT_BYTES + 1))

    async def streamed_large(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(MAX_DOCUMENT_BYTES // 65536 + 2):
            await response.write(b" " * 65536)
        return response

    async def streamed(request: web.Request) -> web.StreamResponse:
        """A document well under the cap, sent in parts (as a proxy may)."""
        body = json.dumps({"id": f"{base(request)}/streamed", "padding": " " * 300_000})
        response = web.StreamResponse(headers={"Content-Type": "application/activity+json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 16384):
            await response.write(body[start : start + 16384].encode())
            await asyncio.sleep(0)
        return response

    async def deep(request: web.Request) -> web.Response:
        """A document with its own id, nested ``?levels=`` deep."""
        levels = int(request.query["levels"])
        nested = '{"a":' * levels + "1" + "}" * levels
        body = f'{{"id": "{base(request)}/deep", "type": "Note", "x": {nested}}}'
        return web.Response(text=body, content_type="application/activity+json")

    async def gzip_bomb_answer(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip_bomb(64),
            content_type="application/activity+json",
            headers={"Content-Encoding": "gzip"},
        )

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="<html>hello</html>", content_type="text/html")

    async def array(request: web.Request) -> web.Response:
        return web.json_response([1, 2])

    async def elsewhere(request: web.Request) -> web.Response:
        return web.json_response({"id": "https://other.example/thing", "type": "Note"})

    async def person(request: web.Request) -> web.Response:
        return web.json_response(_actor(base(request), "person"))

    async def broken_group(request: web.Request) -> web.Response:
        return web.json_response({"id": f"{base(request)}/broken-group", "type": "Group"})

    async def other_group(request: web.Request) -> web.Response:
        return web.json_response(_actor(base(request), "the-real-group", "Group"))

    async def stray_key(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "id": f"{base(request)}/stray-key",
                "owner": "https://other.example/actor",
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----",
            }
        )

    async def unusable_key(request: web.Request) -> web.Response:
        return web.json_response({"id": f"{base(request)}/unusable-key", "type": "Note"})

    async def webfinger(request: web.Request) -> web.Response:
        return web.json_response({"subject": request.query["resource"], "links": []})

    app = web.Application()
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/loop", loop)
    app.router.add_get("/nowhere", nowhere)
    app.router.add_get("/declared-large", declared_large)
    app.router.add_get("/streamed-large", streamed_large)
    app.router.add_get("/streamed", streamed)
    app.router.add_get("/deep", deep)
    app.router.add_get("/gzip-bomb", gzip_bomb_answer)
    app.router.add_get("/slow", slow)
    app.router.add_get("/text", text)
    app.router.add_get("/array", array)
    app.router.add_get("/elsewhere", elsewhere)
    app.router.add_get("/person", person)
    app.router.add_get("/broken-group", broken_group)
    app.router.add_get("/other-group", other_group)
    app.router.add_get("/stray-key", stray_key)
    app.router.add_get("/unusable-key", unusable_key)
    app.router.add_get("/.well-known/webfinger", webfinger)
    return app


@pytest.fixture
async def server(aiohttp_server: AiohttpServer) -> str:
    started = await aiohttp_server(_app())
    return str(started.make_url("")).rstrip("/")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with client_session(OPEN, user_agent="kinfolk-test") as session:
        yield session


async def _kind_of(attempt: Awaitable[object]) -> FetchErrorKind:
    with pytest.raises(FetchError) as raised:
        await attempt
    return raised.value.kind


# The guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://[::1/x", Kind.INVALID_ADDRESS),
        ("ftp://node.example/x", Kind.INVALID_ADDRESS),
        ("https:///x", Kind.INVALID_ADDRESS),
        ("http://node.example/x", Kind.PLAIN_HTTP),
        ("https://127.0.0.1/x", Kind.PRIVATE_ADDRESS),
        ("https://[::ffff:10.0.0.1]/x", Kind.PRIVATE_ADDRESS),
    ],
)
def test_the_guard_says_which_address_it_refuses(url: str, kind: FetchErrorKind) -> None:
    with pytest.raises(FetchError) as raised:
        Egress(allow_private_addresses=False, allow_http=False).check_url(url)
    assert raised.value.kind is kind


class _PrivateResolver(AbstractResolver):
    """Every name resolves to an address of the admin's own network."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": "10.0.0.7",
                "port": port,
                "family": family,
                "proto": 0,
                "flags": 0,
            }
        ]

    async def close(self) -> None:
        pass


async def test_a_name_that_resolves_to_a_private_address_is_refused_as_such() -> None:
    guarded = Egress(allow_private_addresses=False, allow_http=True)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(guarded, _PrivateResolver()))
    async with aiohttp.ClientSession(connector=connector) as session:
        url = "http://intranet.example/x"
        document = fetch_document(session, guarded, url, signer=None, now=datetime.now)
        assert await _kind_of(document) is Kind.PRIVATE_ADDRESS
        assert await _kind_of(fetch_json(session, guarded, url)) is Kind.PRIVATE_ADDRESS


# Fetching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "status"),
    [
        ("/status/404", Kind.NOT_FOUND, 404),
        ("/status/410", Kind.NOT_FOUND, 410),
        ("/status/500", Kind.HTTP_ERROR, 500),
        ("/status/403", Kind.HTTP_ERROR, 403),
        ("/loop", Kind.TOO_MANY_REDIRECTS, None),
        ("/nowhere", Kind.NOT_A_DOCUMENT, None),
        ("/declared-large", Kind.TOO_LARGE, None),
        ("/streamed-large", Kind.TOO_LARGE, None),
        ("/text", Kind.NOT_A_DOCUMENT, None),
        ("/array", Kind.NOT_A_DOCUMENT, None),
        ("/elsewhere", Kind.WRONG_ID, None),
        ("/gzip-bomb", Kind.TOO_LARGE, None),
    ],
)
async def test_a_fetch_says_what_went_wrong(
    http: aiohttp.ClientSession, server: str, path: str, kind: FetchErrorKind, status: int | None
) -> None:
    with pytest.raises(FetchError) as raised:
        await fetch_document(http, OPEN, server + path, signer=None, now=datetime.now)
    assert (raised.value.kind, raised.value.status) == (kind, status)


@pytest.mark.parametrize("levels", [MAX_DEPTH, 10_000])
async def test_a_document_nested_too_deep_is_refused_for_it(
    http: aiohttp.ClientSession, server: str, levels: int
) -> None:
    url = f"{server}/deep?levels={levels}"
    with pytest.raises(FetchError) as raised:
        await fetch_document(http, OPEN, url, signer=None, now=datetime.now)
    assert raised.value.kind is Kind.NOT_A_DOCUMENT
    assert f"deeper than {MAX_DEPTH} levels" in raised.value.reason


async def test_a_document_as_deep_as_allowed_is_read(
    http: aiohttp.ClientSession, server: str
) -> None:
    url = f"{server}/deep?levels={MAX_DEPTH - 1}"  # and the document itself: MAX_DEPTH
    document = await fetch_document(http, OPEN, url, signer=None, now=datetime.now)
    assert document["type"] == "Note"


async def test_a_document_sent_in_parts_is_read_whole(
    http: aiohttp.ClientSession, server: str
) -> None:
    document = await fetch_document(http, OPEN, server + "/streamed", signer=None, now=datetime.now)
    assert len(document["padding"]) == 300_000


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/status/404", Kind.NOT_FOUND),
        ("/status/502", Kind.HTTP_ERROR),
        ("/declared-large", Kind.TOO_LARGE),
        ("/text", Kind.NOT_A_DOCUMENT),
        ("/array", Kind.NOT_A_DOCUMENT),
    ],
)
async def test_a_webfinger_fetch_says_what_went_wrong(
    http: aiohttp.ClientSession, server: str, path: str, kind: FetchErrorKind
) -> None:
    assert await _kind_of(fetch_json(http, OPEN, server + path)) is kind


async def test_a_closed_port_is_unreachable(http: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    assert await _kind_of(fetch_document(http, OPEN, url, signer=None, now=datetime.now)) is (
        Kind.UNREACHABLE
    )
    assert await _kind_of(fetch_json(http, OPEN, url)) is Kind.UNREACHABLE


async def test_a_node_too_slow_to_answer_timed_out(server: str) -> None:
    timeout = aiohttp.ClientTimeout(total=0.2)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        url = server + "/slow"
        document = fetch_document(session, OPEN, url, signer=None, now=datetime.now)
        assert await _kind_of(document) is Kind.TIMEOUT
        assert await _kind_of(fetch_json(session, OPEN, url)) is Kind.TIMEOUT


# The federation context and finding groups ------------------------------------------------


@pytest.fixture
async def fed(
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    now: datetime,
    http: aiohttp.ClientSession,
) -> Federation:
    return Federation(
        site=site,
        sessions=sessions,
        http=http,
        egress=OPEN,
        clock=lambda: now,
        window=TimeWindow(),
    )


async def test_the_federation_policy_refuses_by_kind(
    fed: Federation, sessions: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with sessions.begin() as session:
        await storage.set_rule(session, "blocked.example", "suspend", now=now)
    fed.policy.invalidate()
    for ref in ("https://blocked.example/groups/circle", "circle@blocked.example"):
        refused = await _kind_of(find_group(fed, ref))
        assert refused is Kind.REFUSED_BY_POLICY, ref
    assert await _kind_of(fed.check_policy("https://[::1/x")) is Kind.INVALID_ADDRESS
    assert await _kind_of(fed.webfinger("no-host")) is Kind.INVALID_ADDRESS


async def test_looking_up_actors_and_groups_says_what_was_found(
    fed: Federation, server: str
) -> None:
    host = server.removeprefix("http://")
    assert await _kind_of(fed.webfinger(f"nobody@{host}")) is Kind.NO_ACTOR
    assert await _kind_of(find_group(fed, server + "/person")) is Kind.NOT_A_GROUP
    assert await _kind_of(find_group(fed, server + "/broken-group")) is Kind.NOT_AN_ACTOR
    assert await _kind_of(find_group(fed, server + "/other-group")) is Kind.WRONG_ID
    assert await _kind_of(find_group(fed, server + "/status/404")) is Kind.NOT_FOUND
    assert await _kind_of(fed.resolve_actor(server + "/elsewhere")) is Kind.WRONG_ID
    assert await _kind_of(fed.resolve_actor(server + "/array")) is Kind.NOT_A_DOCUMENT
    assert await _kind_of(fed.resolve_actor(server + "/broken-group")) is Kind.NOT_AN_ACTOR
    assert await _kind_of(fed.resolve_actor(server + "/other-group")) is Kind.WRONG_ID
    assert await _kind_of(fed.key(server + "/stray-key#main")) is Kind.WRONG_ID
    assert await _kind_of(fed.key(server + "/unusable-key#main")) is Kind.NOT_AN_ACTOR
