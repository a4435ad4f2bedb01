"""What a client sees when it sends something the API cannot take.

Every refusal is an RFC 9457 problem document (``application/problem+json``) with
the right status, a stable ``code``, a ``detail`` for people, the field at fault
for invalid input, and the request's ``X-Request-Id``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from node.passwords import Passwords
from tests.api_client import Api
from tests.conftest import AiohttpClient
from web.app import create_app
from web.config import Settings

Client = TestClient[web.Request, web.Application]
JSON = {"Content-Type": "application/json"}
ACCOUNTS = "/api/v1/accounts"
GROUPS = "/api/v1/groups"


async def send(
    client: Client,
    method: str,
    path: str,
    *,
    data: Any = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, CIMultiDictProxy[str], Any]:
    all_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    async with client.request(method, path, data=data, headers=all_headers) as response:
        return response.status, response.headers, await response.json(content_type=None)


def problem(
    answer: tuple[int, CIMultiDictProxy[str], Any], status: int, code: str
) -> dict[str, Any]:
    """Check that ``answer`` is a well-formed problem document and return its body."""
    actual, headers, body = answer
    assert actual == status, body
    assert headers["Content-Type"].startswith("application/problem+json")
    assert isinstance(body, dict)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    assert isinstance(body["detail"], str)
    assert body["request_id"] == headers["X-Request-Id"] != ""
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


async def test_malformed_json_is_400(client: Client) -> None:
    answer = await send(client, "POST", ACCOUNTS, data=b'{"username": ', headers=JSON)
    assert "not valid JSON" in problem(answer, 400, "malformed_json")["detail"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "malformed_json"),
        # Nested past the cap before it is found unfinished: refused for its depth.
        (b"[" * 100_000, "too_deep"),
        (b'{"username": "ana"} trailing', "malformed_json"),
        (b"\xff\xfe{}", "malformed_json"),
    ],
)
async def test_unparseable_bodies_are_400_never_500(client: Client, raw: bytes, code: str) -> None:
    problem(await send(client, "POST", ACCOUNTS, data=raw, headers=JSON), 400, code)


@pytest.mark.parametrize("raw", [b"[]", b"5", b'"ana"', b"null", b"true"])
async def test_json_that_is_not_an_object_is_422(client: Client, raw: bytes) -> None:
    body = problem(await send(client, "POST", ACCOUNTS, data=raw, headers=JSON), 422, "invalid")
    assert fields(body) == {"body"}


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"username": 1, "password": "long enough"}, "username"),
        ({"username": "ana", "password": True}, "password"),
        ({"username": "ana", "password": "long enough", "display_name": None}, "display_name"),
        ({"username": "ana", "password": "long enough", "bio": ["a"]}, "bio"),
        ({"username": "ana"}, "password"),  # missing
        ({"username": "ana", "password": "long enough", "role": "admin"}, "role"),  # unknown
    ],
)
async def test_wrong_missing_or_unknown_fields_are_named(
    client: Client, sent: dict[str, Any], field: str
) -> None:
    body = problem(await send(client, "POST", ACCOUNTS, json_body=sent), 422, "invalid")
    assert fields(body) == {field}


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"name": "g", "rules": "5"}, "rules"),
        ({"name": "g", "rules": [{"title": 5}]}, "rules.0.title"),
        ({"name": "g", "rules": [{"title": "t", "extra": 1}]}, "rules.0.extra"),
        ({"name": "g", "visibility": 1}, "visibility"),
        ({"name": "g", "visibility": "secret"}, "visibility"),
        ({"name": 5}, "name"),
    ],
)
async def test_nested_and_enum_fields_are_named(api: Api, sent: dict[str, Any], field: str) -> None:
    ana = await api.register("ana")
    answer = await send(api.client, "POST", GROUPS, json_body=sent, headers=ana.auth)
    assert fields(problem(answer, 422, "invalid")) == {field}


async def test_enum_values_arrive_as_json_strings(api: Api) -> None:
    """Strict validation refuses "5" for a number, yet accepts "private" for an enum."""
    ana = await api.register("ana")
    group = await api.create_group(ana, "quiet", visibility="private", join_policy="approval")
    assert (group["visibility"], group["join_policy"]) == ("private", "approval")


async def test_text_with_nul_characters_is_refused(api: Api) -> None:
    sent = {"username": "ana", "password": "long enough", "display_name": "a\x00b"}
    body = problem(await send(api.client, "POST", ACCOUNTS, json_body=sent), 422, "invalid")
    assert fields(body) == {"display_name"}
    answer = await send(api.client, "GET", GROUPS + "?q=a%00b")
    assert fields(problem(answer, 422, "invalid")) == {"q"}
    problem(await send(api.client, "GET", GROUPS + "/a%00b"), 404, "not_found")


def pieces(raw: bytes) -> AsyncIterator[bytes]:
    """``raw`` sent with chunked transfer encoding."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 65536):
            yield raw[start : start + 65536]

    return chunks()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_oversize_body_is_413(client: Client, settings: Settings, chunked: bool) -> None:
    raw = b'{"username": "' + b"a" * settings.max_request_bytes + b'"}'
    answer = await send(
        client, "POST", ACCOUNTS, data=pieces(raw) if chunked else raw, headers=JSON
    )
    assert str(settings.max_request_bytes) in problem(answer, 413, "too_large")["detail"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_just_under_the_limit_is_read_whole(
    api: Api, settings: Settings, chunked: bool
) -> None:
    """Padded with JSON whitespace up to the limit: more than one read's worth of bytes."""
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    head = b'{"body": "all of it"'
    raw = head + b" " * (settings.max_request_bytes - len(head) - 1) + b"}"
    data = pieces(raw) if chunked else raw
    status, _, post = await send(
        api.client, "POST", GROUPS + "/circle/posts", data=data, headers={**JSON, **ana.auth}
    )
    assert status == 201, post
    assert post["source"] == "all of it"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_wrong_content_type_is_415(client: Client, content_type: str) -> None:
    sent = json.dumps({"username": "ana", "password": "long enough"})
    answer = await send(client, "POST", ACCOUNTS, data=sent, headers={"Content-Type": content_type})
    assert content_type in problem(answer, 415, "unsupported_media_type")["detail"]


async def test_undecodable_content_encoding_is_400(client: Client) -> None:
    headers = {**JSON, "Content-Encoding": "gzip"}
    answer = await send(client, "POST", ACCOUNTS, data=b"not gzip at all", headers=headers)
    problem(answer, 400, "malformed_body")


@pytest.mark.parametrize(
    "path",
    [
        GROUPS + "/nobody-here",
        GROUPS + "/nobody-here/posts",
        "/api/v1/posts/01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "/api/v1/posts/01ARZ3NDEKTSV4RRFFQ69G5FAV/replies",
        "/api/v1/members/nobody",
        "/api/v1/members/nobody@elsewhere.example",
    ],
)
async def test_unknown_things_are_404(client: Client, path: str) -> None:
    problem(await send(client, "GET", path), 404, "not_found")


async def test_wrong_method_is_405_with_allow(client: Client) -> None:
    answer = await send(client, "PUT", GROUPS)
    problem(answer, 405, "method_not_allowed")
    assert set(answer[1]["Allow"].split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v2/groups", "/api/v1/groups/a/b/c"])
async def test_unknown_path_under_api_is_a_json_404(client: Client, path: str) -> None:
    problem(await send(client, "GET", path), 404, "not_found")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer nope", "Bearer ", "Basic YW5hOnB3", "Bearer a b", "Bearer tøken"],
)
async def test_missing_or_bad_token_is_401(client: Client, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = await send(client, "GET", "/api/v1/accounts/me", headers=headers)
    problem(answer, 401, "unauthenticated")
    assert answer[1]["WWW-Authenticate"] == "Bearer"


async def test_token_that_is_not_text_is_401(client: Client) -> None:
    """Header bytes that are not UTF-8 reach the token check as surrogates."""
    assert client.server.host is not None
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        b"GET /api/v1/accounts/me HTTP/1.1\r\nHost: node.test\r\n"
        b"Authorization: Bearer \xff\xfe\r\nConnection: close\r\n\r\n"
    )
    raw = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert raw.startswith(b"HTTP/1.1 401 "), raw[:200]
    assert b"application/problem+json" in raw


def _cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        (GROUPS, "garbage"),
        (GROUPS, "!!!"),
        (GROUPS, _cursor()),
        (GROUPS, _cursor("a", "text")),
        (GROUPS, "e30"),  # {}
        (GROUPS, _cursor("a", 2**63)),
        (GROUPS, _cursor("a", 2**31)),
        (GROUPS, _cursor("a", True)),
        pytest.param(GROUPS, _cursor("a\x00", 1), id="text-with-nul"),
        (GROUPS + "/circle/members", _cursor(2**63)),
        (GROUPS + "/circle/posts", _cursor("2026-01-01T00:00:00", 1)),  # naive time
        (GROUPS + "/circle/posts", _cursor("9999-12-31T23:59:59-23:59", 1)),
    ],
)
async def test_bad_or_forged_cursor_is_422(api: Api, path: str, cursor: str) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    answer = await send(api.client, "GET", f"{path}?cursor={cursor}")
    assert fields(problem(answer, 422, "invalid")) == {"cursor"}


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "99999999999999999999"])
async def test_limit_out_of_range_is_422(client: Client, limit: str) -> None:
    answer = await send(client, "GET", f"{GROUPS}?limit={limit}")
    assert fields(problem(answer, 422, "invalid")) == {"limit"}


async def test_client_request_id_is_echoed(client: Client) -> None:
    status, headers, body = await send(client, "GET", GROUPS + "/x", headers={"X-Request-Id": "r1"})
    assert (status, headers["X-Request-Id"], body["request_id"]) == (404, "r1", "r1")


class BrokenPasswords(Passwords):
    """A fault inside the node: the password hasher fails."""

    async def hash(self, password: str) -> str:
        raise RuntimeError("secret detail from /srv/kinfolk/node/passwords.py")


async def test_an_internal_error_leaks_nothing(
    settings: Settings, aiohttp_client: AiohttpClient
) -> None:
    """A fault on the node's side is a bare 500 problem: no traceback, no exception text."""
    broken = await aiohttp_client(create_app(settings, passwords=BrokenPasswords()))
    sent = {"username": "ana", "password": "long enough"}
    body = problem(await send(broken, "POST", ACCOUNTS, json_body=sent), 500, "internal_error")
    for leak in ("Traceback", "secret", "RuntimeError", "passwords.py"):
        assert leak not in json.dumps(body)


@pytest.mark.parametrize("ref", ["0@[", "circle@host:99999", "circle@host:port", "https://[/"])
async def test_a_group_elsewhere_with_an_unusable_address_is_404_not_500(
    api: Api, ref: str
) -> None:
    """Found by the fuzzer: a handle whose host is no valid URL host crashed the look-up."""
    ana = await api.register("ana")
    looked_up = await api.call("POST", f"{GROUPS}/lookup", as_=ana, json={"ref": ref})
    assert looked_up.status == 404, looked_up.json
    assert "not a valid URL" in looked_up.json["detail"]
    if "://" not in ref:
        joined = await api.call("POST", f"{GROUPS}/{ref}/join", as_=ana)
        assert joined.status == 404, joined.json
        assert "not a valid URL" in joined.json["detail"]
