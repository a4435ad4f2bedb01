"""Cursors and limits: what clients send back must be what we issued, or a clean refusal."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import InvalidInput
from node.groups import directory, membership
from node.kinds import MembershipState
from node.pagination import MAX_LIMIT, check_limit, decode_cursor, encode_cursor
from node.passwords import Passwords
from node.posts import reading
from node.site import Site
from tests.node.factories import Node


def forge(*parts: object) -> str:
    """A cursor as a client could make one: well-encoded, but not one we issued."""
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def test_a_cursor_round_trips() -> None:
    at = datetime(2026, 11, 21, 12, 0, 0, 123456, tzinfo=UTC)
    cursor = encode_cursor(at, 42)
    assert decode_cursor(cursor, datetime, int) == (at, 42)
    assert decode_cursor(encode_cursor("grief-circle", 7), str, int) == ("grief-circle", 7)
    assert cursor.isascii()
    assert "=" not in cursor


def test_a_cursor_from_another_timezone_means_the_same_instant() -> None:
    at = datetime(2026, 11, 21, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    (decoded,) = decode_cursor(encode_cursor(at), datetime)
    assert decoded == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


GARBAGE = [
    "",
    "not a cursor",
    "!!!",
    "é",
    "W1",  # truncated
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    forge(),
    forge("a"),
    forge("a", 1, 2),
    forge(1, "a"),
    forge("a", True),
    forge("a", 1.5),
    forge("a", None),
    forge(["a"], 1),
    base64.urlsafe_b64encode(b'{"a": 1}').decode(),
]


@pytest.mark.parametrize("cursor", GARBAGE)
def test_garbage_is_refused_as_a_bad_cursor(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor, str, int)
    assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        forge("yesterday", 1),
        forge("2026-11-21T12:00:00", 1),  # no offset: which instant would that be?
        forge("0001-01-01T00:00:00+05:00", 1),  # before the start of the calendar in UTC
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
    ],
)
def test_tampered_time_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor, datetime, int)
    assert caught.value.field == "cursor"


def test_limits_have_bounds() -> None:
    assert check_limit(None) == 20
    assert (check_limit(1), check_limit(MAX_LIMIT)) == (1, MAX_LIMIT)
    for limit in (0, -1, MAX_LIMIT + 1):
        with pytest.raises(InvalidInput) as caught:
            check_limit(limit)
        assert caught.value.field == "limit"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


# Each list's cursor has its own shape: (handle, id), (id,) or (time, id).
TAMPERED = {
    "directory": ["garbage", forge("a", 2**40), forge("a", 2**70), forge("a", -(2**70))],
    "members": ["garbage", forge(2**40), forge(2**70), forge("1")],
    "threads": [
        "garbage",
        forge("2026-11-21T12:00:00", 1),
        forge("2026-11-21T12:00:00+00:00", 2**40),
        forge("0001-01-01T00:00:00+05:00", 1),
    ],
}


@pytest.mark.parametrize("listing", ["directory", "members", "pending", "threads", "replies"])
async def test_every_list_refuses_a_tampered_cursor_cleanly(node: Node, listing: str) -> None:
    """Whatever the cursor says, the answer is InvalidInput, never a database error."""
    ana = await node.member("ana")
    await node.group(ana, "circle")
    thread = await node.post(ana, "circle")
    site = node.site

    def call(cursor: str) -> Callable[[AsyncSession], Awaitable[object]]:
        return {
            "directory": lambda s: directory.list_groups(s, ana, cursor=cursor),
            "members": lambda s: membership.list_members(s, site, ana, "circle", cursor=cursor),
            "pending": lambda s: membership.list_members(
                s, site, ana, "circle", state=MembershipState.PENDING, cursor=cursor
            ),
            "threads": lambda s: reading.list_threads(s, site, ana, "circle", cursor=cursor),
            "replies": lambda s: reading.list_replies(s, ana, thread.public_id, cursor=cursor),
        }[listing]

    shape = {"pending": "members", "replies": "threads"}.get(listing, listing)
    for cursor in TAMPERED[shape]:
        with pytest.raises(InvalidInput) as caught:
            await node.run(call(cursor))
        assert caught.value.field == "cursor"


async def test_a_cursor_from_one_list_is_refused_by_another(node: Node) -> None:
    ana = await node.member("ana")
    for name in ("a-circle", "b-circle"):
        await node.group(ana, name)
    page = await node.run(lambda s: directory.list_groups(s, None, limit=1))
    assert page.next_cursor is not None
    cursor = page.next_cursor
    with pytest.raises(InvalidInput):
        await node.run(
            lambda s: reading.list_threads(s, node.site, None, "a-circle", cursor=cursor)
        )
