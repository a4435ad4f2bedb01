"""Property: whatever a client sends to any documented operation, the answer is a 2xx
or a 4xx problem document with a ``code``, never a 5xx.

The operations come from ``/api/openapi.json`` of the running test node, so a new
endpoint is fuzzed as soon as it is documented. Inputs: path parameters (real
names, ``..``, unicode, long strings), query strings (the documented names and
others, with text and raw bytes as values), and bodies (random bytes, random JSON,
and objects with the schema's field names whose values are sometimes plausible,
sometimes of the wrong type), each anonymously or as one of two members.

How hypothesis meets asyncio: ``@given`` cannot decorate an ``async def`` test, and
the node (client, database, event loop) is made per test function. So the async
test builds the node, then runs a plain ``@given`` function in a worker thread
(``asyncio.to_thread``); each example hands its request to the test's event loop
with ``run_coroutine_threadsafe`` and waits for the answer. The loop is free (it
awaits the thread), examples run one at a time, and hypothesis shrinks and reports
the falsifying example as usual.

Left out on purpose: request lines longer than aiohttp's 8190-byte limit (its
HTTP parser answers those with a plain-text 400 before any application code runs).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_from_bytes

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from yarl import URL

from node import accounts
from node.storage.models.actors import Account, Actor
from tests.api_client import Api
from web.keys import SESSIONS

EXAMPLES = 30  # per operation and per kind of input
PASSWORD = "correct horse battery"
IDENTITIES = ("anonymous", "ana", "ben")
# Sent as they are (already percent-encoded); every other segment is encoded first.
RAW_SEGMENTS = (".", "..", "%2e%2e", "%2E%2e%2Fx", "%00", "%ff", "%ED%A0%80", "%C0%AF")
HOSTILE_SEGMENTS = (
    *RAW_SEGMENTS,
    "../..",
    "...",
    "~",
    "@",
    "!",
    "ana@",
    "@ana",
    "!circle@node.test",
    "ana@node.test",
    "ana@evil.example",
    "circle@node.test",
    "ANA",
    "null",
    "0",
    "-1",
    "x" * 31,
    "\u202egnp.exe",
    "😀",
    "名前",
    "%00",
    "a/b",
    "a?b",
    "a#b",
    "a;b",
    " ",
)
CONTENT_TYPES = (
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    None,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # percent-encoded
    query: str = ""  # percent-encoded
    body: bytes | None = None
    content_type: str | None = None
    identity: str = "anonymous"


@dataclass
class World:
    """A node with two members, a public and a private group, a thread and a reply."""

    api: Api
    loop: asyncio.AbstractEventLoop
    document: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    async def build(cls, api: Api) -> World:
        ana, ben = await api.register("ana", PASSWORD), await api.register("ben", PASSWORD)
        await api.create_group(ana, "circle")
        await api.create_group(ana, "quiet", visibility="private", join_policy="approval")
        await api.join(ben, "circle")
        await api.call("POST", "/api/v1/groups/quiet/join", as_=ben)
        thread = await api.post(ana, "circle", "A first thread")
        reply = await api.reply(ben, thread["id"], "A reply")
        flagged = {"post_id": thread["id"], "reason": "spam"}
        report = (await api.call("POST", "/api/v1/reports", as_=ben, json=flagged)).expect(201)
        document = (await api.call("GET", "/api/openapi.json")).expect(200)
        return cls(
            api,
            asyncio.get_running_loop(),
            document,
            tokens={"ana": ana.token, "ben": ben.token},
            names={
                "name": ["circle", "quiet", "Circle"],
                "acct": ["ana", "ben", "ben@node.test"],
                "id": [thread["id"], reply["id"], report["id"]],
            },
        )

    def operations(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (method.upper(), path, operation)
            for path, item in self.document["paths"].items()
            for method, operation in item.items()
        ]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.document["components"]["schemas"][schema["$ref"].split("/")[-1]]
        return schema

    async def send(self, case: Case) -> tuple[int, str, str]:
        headers = {}
        if case.identity != "anonymous":
            headers["Authorization"] = f"Bearer {self.tokens[case.identity]}"
        if case.content_type is not None:
            headers["Content-Type"] = case.content_type
        server = self.api.client.server
        url = URL.build(
            scheme="http",
            host=server.host,
            port=server.port,
            path=case.path,
            query_string=case.query,
            encoded=True,
        )
        session = self.api.client.session
        async with session.request(case.method, url, data=case.body, headers=headers) as answer:
            text = await answer.text(errors="replace")
            status, content_type = answer.status, answer.headers.get("Content-Type", "")
        if case.method == "DELETE" and case.path == "/api/v1/auth/token" and status == 204:
            self.tokens[case.identity] = await self.new_token(case.identity)
        return status, content_type, text

    async def new_token(self, handle: str) -> str:
        """A logged-out member's next token, issued as signing in would: not through
        the API, whose sign-in the fuzzed wrong passwords may have throttled by now."""
        app = self.api.client.app
        assert app is not None
        async with app[SESSIONS].begin() as session:
            account_id = await session.scalar(
                select(Account.id)
                .join(Actor, Account.actor_id == Actor.id)
                .where(Actor.local, Actor.handle_key == handle)
            )
            assert account_id is not None
            return await accounts.issue_token(session, account_id, now=datetime.now(UTC))

    def check(self, case: Case) -> None:
        future = asyncio.run_coroutine_threadsafe(self.send(case), self.loop)
        status, content_type, text = future.result(timeout=60)
        assert 200 <= status < 300 or 400 <= status < 500, f"{status}: {text[:300]}"
        if status >= 400:
            assert content_type.startswith("application/problem+json"), f"{status}: {text[:300]}"
            problem = json.loads(text)
            assert isinstance(problem.get("code"), str), problem
            assert problem["status"] == status, problem


def segments(name: str, world: World, hostile: bool) -> st.SearchStrategy[str]:
    real = st.sampled_from(world.names.get(name, ["x"]))
    if not hostile:
        return real
    return st.one_of(
        real,
        st.sampled_from(HOSTILE_SEGMENTS),
        st.text(max_size=30),
        st.text(st.characters(max_codepoint=0x7F), min_size=200, max_size=2000),
    )


def path_for(path: str, world: World, hostile: bool = True) -> st.SearchStrategy[str]:
    names = re.findall(r"{([^}]+)}", path)
    values = st.tuples(*(segments(name, world, hostile) for name in names))

    def fill(chosen: tuple[str, ...]) -> str:
        filled = path
        for name, value in zip(names, chosen, strict=True):
            encoded = value if value in RAW_SEGMENTS else quote(value, safe="")
            filled = filled.replace("{" + name + "}", encoded, 1)
        return filled

    return values.map(fill)


def _encode_cursor(parts: list[Any]) -> bytes:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).rstrip(b"=")


# Shaped like our cursors (a JSON list, base64url'd), with forged parts.
forged_cursors = st.lists(
    st.one_of(
        st.integers(),
        st.text(max_size=20),
        st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda moment: moment.isoformat()),
        st.none() | st.booleans() | st.floats(),
    ),
    max_size=3,
).map(_encode_cursor)


def _pair(key_value: tuple[str, bytes]) -> str:
    key, value = key_value
    return f"{quote(key, safe='')}={quote_from_bytes(value, safe='')}"


def queries(operation: dict[str, Any]) -> st.SearchStrategy[str]:
    documented = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
    key = st.sampled_from([*documented, "limit", "cursor", "q"]) | st.text(max_size=8)
    value = st.one_of(
        st.text(max_size=40).map(lambda text: text.encode()),
        st.binary(max_size=40),
        st.integers().map(lambda number: str(number).encode()),
        st.sampled_from([b"", b"approved", b"pending", b"banned", b"1.5", b"true"]),
        forged_cursors,
    )
    structured = st.lists(st.tuples(key, value).map(_pair), max_size=4).map("&".join)
    raw = st.text(alphabet="=&%;+a0~!$'()*,/:@[]", max_size=30)
    return structured | raw


def plausible(schema: dict[str, Any], world: World, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of roughly the right shape for ``schema``."""
    schema = world.resolve(schema)
    if depth > 3:
        return json_values
    if "anyOf" in schema:
        return st.one_of([plausible(option, world, depth + 1) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        return st.text(max_size=min(schema.get("maxLength", 60), 60) + 2)
    if kind == "integer":
        return st.integers()
    if kind == "array":
        return st.lists(plausible(schema.get("items", {}), world, depth + 1), max_size=3)
    if kind == "object":
        return objects(schema, world, depth + 1)
    if kind == "null":
        return st.none()
    return json_values


def objects(schema: dict[str, Any], world: World, depth: int = 0) -> st.SearchStrategy[Any]:
    """Objects with (some of) the schema's field names; each value plausible or arbitrary."""
    properties = world.resolve(schema).get("properties", {})
    values = {
        name: st.one_of(plausible(prop, world, depth), json_values)
        for name, prop in properties.items()
    }
    return st.fixed_dictionaries({}, optional=values)


def dumped(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(lambda value: json.dumps(value).encode())


def shaped(operation: dict[str, Any], world: World) -> st.SearchStrategy[Any]:
    """Objects with the fields of the operation's body (nothing, if it takes none)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return objects(content["schema"], world) if content else st.nothing()


def bodies(operation: dict[str, Any], world: World) -> st.SearchStrategy[bytes]:
    fitting = dumped(shaped(operation, world))
    return st.one_of(st.binary(max_size=200), dumped(json_values), fitting, fitting)


def run(world: World, cases: st.SearchStrategy[Case]) -> None:
    """Runs in a worker thread; see the module's docstring."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(cases)
    def answers_are_2xx_or_problem_documents(case: Case) -> None:
        world.check(case)

    answers_are_2xx_or_problem_documents()


Op = dict[str, Any]
Cases = Callable[[World, str, str, Op], st.SearchStrategy[Case]]
identities = st.sampled_from(IDENTITIES)


async def fuzz(api: Api, cases: Cases) -> None:
    world = await World.build(api)
    operations = world.operations()
    assert len(operations) >= 20, "the document lists fewer operations than the API has"
    for method, path, operation in operations:
        await asyncio.to_thread(run, world, cases(world, method, path, operation))


async def test_any_body(api: Api) -> None:
    def cases(world: World, method: str, path: str, op: Op) -> st.SearchStrategy[Case]:
        return st.builds(
            Case,
            st.just(method),
            path_for(path, world, hostile=False),
            st.just(""),
            bodies(op, world),
            st.sampled_from(CONTENT_TYPES),
            identities,
        )

    await fuzz(api, cases)


async def test_any_query(api: Api) -> None:
    def cases(world: World, method: str, path: str, op: Op) -> st.SearchStrategy[Case]:
        return st.builds(
            Case,
            st.just(method),
            path_for(path, world, hostile=False),
            queries(op),
            st.none(),
            st.none(),
            identities,
        )

    await fuzz(api, cases)


async def test_any_path(api: Api) -> None:
    """Hostile path parameters, with bodies the operation might take."""

    def cases(world: World, method: str, path: str, op: Op) -> st.SearchStrategy[Case]:
        body = dumped(shaped(op, world)) if "requestBody" in op else st.none()
        return st.builds(
            Case,
            st.just(method),
            path_for(path, world),
            st.just(""),
            body,
            st.just("application/json"),
            identities,
        )

    await fuzz(api, cases)
