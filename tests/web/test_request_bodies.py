"""Request bodies as a real network delivers them: a piece at a time, sometimes
compressed, sometimes hostile.

Every reader (the pages' forms, the JSON API, the inbox) reads the body whole, so
a long reply keeps its end and its content warning; counts its limit on the whole
body, as it arrives and after any Content-Encoding is undone, so pieces adding up
past it get 413 with or without a Content-Length, and a gzip bomb is refused
rather than unpacked; and answers a body it cannot decode, or JSON nested beyond
reason, with a precise 400 and one WARNING line, never a 500.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import tracemalloc
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.protocol.wire_json import MAX_DEPTH
from federation.tables import InboxItem
from node.kinds import NodeRole
from node.passwords import Passwords
from node.site import Site
from node.storage.models.node_settings import FederationRule
from node.storage.models.posts import Post
from tests.api_client import Api
from tests.conftest import Client
from tests.node.factories import Node
from tests.pieces import gzip_bomb, in_pieces, length_header
from tests.web.test_pages import HTML, csrf_of, page
from tests.web.test_thread_pages import circle, sign_in
from web.keys import SETTINGS
from web.pages.forms import FORM_MAX_BYTES

FORM = {**HTML, "Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
ACTIVITY = {"Content-Type": "application/activity+json"}
GZIP = {"Content-Encoding": "gzip"}


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _answer(response: Any) -> tuple[int, str, Any]:
    """Status, media type and body (parsed when it is JSON) of an answer."""
    text = await response.text()
    if "json" in response.content_type:
        return response.status, response.content_type, json.loads(text)
    return response.status, response.content_type, text


async def _form_from(client: Client, on: str, fields: dict[str, str]) -> bytes:
    """A form of the page ``on`` with its token, encoded as a browser sends it."""
    _, html = await page(client, on)
    return urlencode({"csrf_token": csrf_of(html), **fields}).encode()


def _problem(answer: tuple[int, str, Any], status: int, code: str) -> dict[str, Any]:
    actual, media_type, body = answer
    assert actual == status, body
    assert media_type == "application/problem+json"
    assert body["code"] == code, body
    assert isinstance(body, dict)
    return body


def _one_warning(caplog: pytest.LogCaptureFixture, code: str) -> None:
    """One WARNING line naming ``code``, no traceback, nothing at ERROR."""
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if r.exc_info]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [getattr(r, "problem", None) for r in warnings] == [code]


def _deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


# Bodies arriving in pieces ---------------------------------------------------------------


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
async def test_a_long_reply_arriving_in_pieces_is_stored_whole_with_its_warning(
    client: Client, node: Node, sessions: async_sessionmaker[AsyncSession], length: bool
) -> None:
    _, ana, _ = await circle(node)
    start = await node.post(ana, "circle", "It has been a hard week.", title="Week")
    await sign_in(client, "bo")
    text = "".join(f"Line {n}: it helps to write this down, slowly.\n" for n in range(1000))
    assert len(text) > 46_000
    # The text comes before the warning, as the page's form sends them.
    body = await _form_from(
        client, f"/posts/{start.public_id}", {"body": text, "content_warning": "grief, detail"}
    )
    response = await client.post(
        f"/posts/{start.public_id}/reply",
        data=in_pieces(body),
        headers={**FORM, **length_header(body, length=length)},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    reply_id = response.headers["Location"].rsplit("#post-", 1)[1]
    async with sessions() as session:
        stored = (
            await session.execute(
                select(Post.source, Post.content_warning).where(Post.public_id == reply_id)
            )
        ).one()
    assert stored.source == text
    assert stored.content_warning == "grief, detail"


async def test_a_pasted_blocklist_arriving_in_pieces_is_applied_whole(
    client: Client, node: Node, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await node.member("ada", role=NodeRole.ADMIN)
    await sign_in(client, "ada")
    domains = [f"spam{index:04}.example" for index in range(6000)]
    body = await _form_from(client, "/admin/federation", {"csv": "\n".join(domains)})
    response = await client.post(
        "/admin/federation/import", data=in_pieces(body), headers=FORM, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    assert response.headers["Location"].endswith("count=6000")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FederationRule)) == 6000
        last = await session.scalar(
            select(FederationRule.domain).where(FederationRule.domain == domains[-1])
        )
    assert last == domains[-1]


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
async def test_an_api_post_arriving_in_pieces_is_stored_whole(
    client: Client, api: Api, length: bool
) -> None:
    owner = await api.register("olga")
    await api.create_group(owner, "circle")
    text = "".join(f"Line {n}: writing it down helps.\n" for n in range(1400))
    body = json.dumps({"title": "Long", "body": text, "content_warning": "detail"}).encode()
    response = await client.post(
        "/api/v1/groups/circle/posts",
        data=in_pieces(body),
        headers={**owner.auth, **JSON, **length_header(body, length=length)},
    )
    status, _, created = await _answer(response)
    assert status == 201, created
    assert created["source"] == text
    assert created["content_warning"] == "detail"


# Limits counted on the whole body ------------------------------------------------------------


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
async def test_a_form_whose_pieces_add_up_past_the_limit_gets_413(
    client: Client, length: bool
) -> None:
    body = await _form_from(client, "/signin", {"username": "x" * (FORM_MAX_BYTES + 10)})
    response = await client.post(
        "/signin",
        data=in_pieces(body, size=64 * 1024),
        headers={**FORM, **length_header(body, length=length)},
    )
    assert response.status == 413
    assert "This form could not be read." in await response.text()


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/api/v1/accounts", "/inbox"])
async def test_json_whose_pieces_add_up_past_the_limit_gets_413(
    client: Client, path: str, length: bool
) -> None:
    limit = client.app[SETTINGS].max_request_bytes
    body = json.dumps({"username": "ana", "padding": "x" * limit}).encode()
    media_type = JSON if path.startswith("/api") else ACTIVITY
    headers = {**media_type, **length_header(body, length=length)}
    response = await client.post(path, data=in_pieces(body, size=128 * 1024), headers=headers)
    _problem(await _answer(response), 413, "too_large")


async def test_a_huge_body_is_refused_from_its_length_and_never_read(client: Client) -> None:
    """A sender announcing 100 MB gets 413 after its first piece, on a connection that
    will close, and the node reads no more of it: the sender's next bytes stall until
    the node closes the connection (a reset: they were never read)."""
    server = client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = (
        "POST /inbox HTTP/1.1\r\nHost: node.example\r\n"
        "Content-Type: application/activity+json\r\nContent-Length: 104857600\r\n\r\n"
    )
    try:
        writer.write(head.encode() + b"x" * 65536)  # the first piece
        headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        length = int(headers.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        problem = json.loads(await reader.readexactly(length))
        writer.write(b"x" * (64 * 1024 * 1024))  # the rest, more than any socket buffers
        with pytest.raises(ConnectionError):  # reset by the node, unread; never drained
            await asyncio.wait_for(writer.drain(), timeout=5)
    finally:
        writer.transport.abort()
    assert headers.startswith(b"HTTP/1.1 413 "), headers
    assert b"connection: close" in headers.lower()
    assert problem["code"] == "too_large"


# Compressed bodies ---------------------------------------------------------------------------


async def test_a_gzipped_body_is_read_unpacked(client: Client, api: Api) -> None:
    body = gzip.compress(json.dumps({"username": "ana", "password": "a long passphrase"}).encode())
    response = await client.post("/api/v1/accounts", data=body, headers={**JSON, **GZIP})
    status, _, created = await _answer(response)
    assert status == 201, created
    # The inbox reads it too, then refuses it for what it is: unsigned.
    activity = {"id": "https://far.example/a/1", "type": "Create", "actor": "https://far.example/u"}
    packed = gzip.compress(json.dumps(activity).encode())
    response = await client.post("/inbox", data=packed, headers={**ACTIVITY, **GZIP})
    _problem(await _answer(response), 401, "unsigned")


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/api/v1/accounts", "/inbox", "/signin"])
async def test_a_gzip_bomb_gets_413_not_unpacked_whole(
    client: Client, path: str, length: bool
) -> None:
    bomb = gzip_bomb(64)  # 64 MiB of zeros in about 64 KiB
    assert len(bomb) < FORM_MAX_BYTES
    media_type = {"/api/v1/accounts": JSON, "/inbox": ACTIVITY, "/signin": FORM}[path]
    tracemalloc.start()
    try:
        response = await client.post(
            path,
            data=in_pieces(bomb, size=8192),
            headers={**media_type, **GZIP, **length_header(bomb, length=length)},
        )
        status, _, answer = await _answer(response)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 413, answer
    # Refused as it unpacked: never held whole (the node's limit is 1 MiB).
    assert peak < 16 * 1024 * 1024
    if path != "/signin":
        _problem((status, response.content_type, answer), 413, "too_large")


@pytest.mark.parametrize("path", ["/api/v1/accounts", "/inbox", "/signin"])
async def test_a_body_labelled_gzip_that_is_not_gets_400_and_one_warning(
    client: Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    media_type = {"/api/v1/accounts": JSON, "/inbox": ACTIVITY, "/signin": FORM}[path]
    with caplog.at_level(logging.INFO):
        response = await client.post(
            path, data=b'{"not": "gzip at all"}', headers={**media_type, **GZIP}
        )
        answer = await _answer(response)
    if path == "/signin":
        assert answer[0] == 400
        assert "This form could not be read." in answer[2]
    else:
        detail = _problem(answer, 400, "malformed_body")["detail"]
        assert "gzip" in detail
    _one_warning(caplog, "malformed_body")


# JSON nested beyond reason -------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000])
@pytest.mark.parametrize("path", ["/api/v1/accounts", "/inbox"])
async def test_json_nested_too_deep_gets_400_and_one_warning(
    client: Client, path: str, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    headers = JSON if path.startswith("/api") else ACTIVITY
    with caplog.at_level(logging.INFO):
        response = await client.post(path, data=_deep(depth), headers=headers)
        detail = _problem(await _answer(response), 400, "too_deep")["detail"]
    assert str(MAX_DEPTH) in detail
    _one_warning(caplog, "too_deep")


async def test_json_as_deep_as_allowed_is_read(client: Client, sessions: Any) -> None:
    """The cap is far above what real servers send (8 levels, the deepest in the corpus)."""
    response = await client.post("/inbox", data=_deep(MAX_DEPTH), headers=ACTIVITY)
    # Read as JSON: refused for its shape, not its depth.
    _problem(await _answer(response), 400, "malformed_activity")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 0
