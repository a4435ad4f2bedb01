"""The sign-in throttle's storage: what it keeps, for how long, and what a check costs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import AuthenticationFailed
from node.passwords import Passwords
from node.sign_in import MAX_FAILURES, WINDOW, Refused, SignedIn, Throttle, Throttled, sign_in
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.models.actors import SignInFailure
from tests.node.factories import PASSWORD, Node
from web.config import Settings

THROTTLE = Throttle(secret="test-secret-" + "x" * 40)
GUESSER = "203.0.113.5"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def attempt(
    node: Node, handle: str, password: str, *, address: str = GUESSER, at: datetime | None = None
) -> SignedIn | Refused | Throttled:
    def call(session: AsyncSession) -> Awaitable[SignedIn | Refused | Throttled]:
        return sign_in(
            session,
            node.site,
            node.passwords,
            THROTTLE,
            handle=handle,
            password=password,
            address=address,
            now=at or node.now,
        )

    return await node.run(call)


async def stored(node: Node) -> list[tuple[str, datetime]]:
    async with node.sessions.begin() as session:
        rows = await session.execute(select(SignInFailure.key_hash, SignInFailure.failed_at))
        return [(key, at) for key, at in rows]


async def test_only_keyed_hashes_and_times_are_kept(node: Node) -> None:
    await node.member("ana")
    outcome = await attempt(node, "ana", "guess")
    assert isinstance(outcome, Refused)
    assert isinstance(outcome.error, AuthenticationFailed)
    rows = await stored(node)
    assert [at for _, at in rows] == [node.now, node.now]  # one for the name, one for the address
    for key, _ in rows:
        assert re.fullmatch("[0-9a-f]{64}", key), key
    # An HMAC under the node's secret, not a plain hash anyone could recompute.
    assert Throttle(secret="another").keys("ana", GUESSER) != THROTTLE.keys("ana", GUESSER)
    assert THROTTLE.keys(" ANA ", GUESSER) == THROTTLE.keys("ana", GUESSER)


async def test_failures_past_the_window_are_purged_as_new_ones_arrive(node: Node) -> None:
    for n in range(3):
        await attempt(node, f"name{n}", "guess", address=f"198.51.100.{n}")
    assert len(await stored(node)) == 6
    later = node.now + WINDOW
    await attempt(node, "someone", "guess", at=later)
    assert [at for _, at in await stored(node)] == [later, later]


async def test_the_lock_lasts_until_the_oldest_counted_failure_leaves_the_window(
    node: Node,
) -> None:
    await node.member("ana")
    for minute in range(MAX_FAILURES):
        at = node.now + timedelta(minutes=minute)
        assert isinstance(
            await attempt(node, "ana", "guess", address=f"10.0.0.{minute}", at=at), Refused
        )
    at = node.now + timedelta(minutes=10)
    assert await attempt(node, "ana", PASSWORD, at=at) == Throttled(timedelta(minutes=5))
    signed_in = await attempt(node, "ana", PASSWORD, at=node.now + WINDOW)
    assert isinstance(signed_in, SignedIn)
    assert signed_in.account.actor.handle == "ana"


async def test_a_success_clears_the_name_but_not_the_address(node: Node) -> None:
    """One's own account must not buy more guesses at everyone else's."""
    await node.member("ana")
    for n in range(MAX_FAILURES - 1):
        await attempt(node, "ana" if n == 0 else f"name{n}", "guess")
    assert isinstance(await attempt(node, "ana", PASSWORD), SignedIn)
    assert isinstance(await attempt(node, "name9", "guess"), Refused)  # the fifth
    assert isinstance(await attempt(node, "name10", "guess"), Throttled)
    # ana's own count started again: from elsewhere she has all her tries.
    for _ in range(MAX_FAILURES - 1):
        assert isinstance(await attempt(node, "ana", "guess", address="198.51.100.1"), Refused)
    assert isinstance(await attempt(node, "ana", PASSWORD, address="198.51.100.1"), SignedIn)


@pytest.fixture
async def counted(
    settings: Settings, site: Site, passwords: Passwords, now: datetime
) -> AsyncIterator[tuple[Node, list[str]]]:
    """The same node through an engine that writes down every statement it runs."""
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    statements: list[str] = []

    def record(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield Node(create_sessionmaker(engine), site, passwords, now), statements
    await engine.dispose()


async def test_a_throttled_attempt_costs_one_query(
    node: Node, counted: tuple[Node, list[str]]
) -> None:
    for n in range(MAX_FAILURES):
        await attempt(node, f"name{n}", "guess")
    same_node, statements = counted
    assert isinstance(await attempt(same_node, "ana", PASSWORD), Throttled)
    assert [s for s in statements if "sign_in_failures" in s.lower()] == statements[-1:]
    assert (
        sum(
            s.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))
            for s in statements
        )
        == 1
    )
