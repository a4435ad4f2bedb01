"""Quiet hours as a member lives them: a daily window on their own clock, wrapping past
midnight, the same window on the nights the clocks change, and nothing new shown in it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import InvalidInput
from node.kinds import NotificationKind
from node.notifications import (
    QuietHours,
    is_quiet,
    notify,
    quiet_hours_of,
    quiet_since,
    quiet_until,
    set_quiet_hours,
    unread_count,
    unread_counts_since,
)
from node.passwords import Passwords
from node.site import Site
from tests.node.factories import Node

BERLIN_NIGHTS = QuietHours("Europe/Berlin", time(22, 0), time(7, 0))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (utc(2026, 7, 1, 19, 59), False),  # 21:59 in Berlin (summer, UTC+2)
        (utc(2026, 7, 1, 20, 0), True),  # 22:00
        (utc(2026, 7, 1, 23, 30), True),  # 01:30, past midnight
        (utc(2026, 7, 2, 4, 59), True),  # 06:59
        (utc(2026, 7, 2, 5, 0), False),  # 07:00: the window is over
        (utc(2026, 7, 2, 12, 0), False),
        (utc(2026, 1, 10, 20, 59), False),  # 21:59 in winter (UTC+1)
        (utc(2026, 1, 10, 21, 0), True),
        (utc(2026, 1, 11, 5, 59), True),
        (utc(2026, 1, 11, 6, 0), False),
    ],
)
def test_a_window_past_midnight_holds_on_the_members_own_clock(
    moment: datetime, quiet: bool
) -> None:
    assert is_quiet(BERLIN_NIGHTS, moment) is quiet


def test_a_window_within_one_day() -> None:
    afternoons = QuietHours("UTC", time(13, 0), time(15, 30))
    assert not is_quiet(afternoons, utc(2026, 5, 5, 12, 59))
    assert is_quiet(afternoons, utc(2026, 5, 5, 13, 0))
    assert quiet_until(afternoons, utc(2026, 5, 5, 14, 0)) == utc(2026, 5, 5, 15, 30)
    assert quiet_since(afternoons, utc(2026, 5, 5, 14, 0)) == utc(2026, 5, 5, 13, 0)
    assert not is_quiet(afternoons, utc(2026, 5, 5, 15, 30))
    assert quiet_until(afternoons, utc(2026, 5, 5, 16, 0)) is None


def test_no_window_is_never_quiet() -> None:
    assert not is_quiet(QuietHours("Europe/Berlin", None, None), utc(2026, 7, 1, 23, 0))
    assert quiet_until(QuietHours("UTC", None, None), utc(2026, 7, 1, 23, 0)) is None


def test_quiet_until_is_the_end_of_the_window_in_utc() -> None:
    assert quiet_until(BERLIN_NIGHTS, utc(2026, 7, 1, 23, 30)) == utc(2026, 7, 2, 5, 0)
    assert quiet_until(BERLIN_NIGHTS, utc(2026, 7, 1, 20, 0)) == utc(2026, 7, 2, 5, 0)


def test_berlin_spring_forward_night() -> None:
    """29 March 2026: at 02:00 the clocks jump to 03:00. A window 22:00-07:00 still ends
    at 07:00 on the new clock (05:00 UTC, not 06:00), and began at 22:00 CET."""
    night = utc(2026, 3, 29, 0, 30)
    assert is_quiet(BERLIN_NIGHTS, night)
    assert quiet_since(BERLIN_NIGHTS, night) == utc(2026, 3, 28, 21, 0)
    assert quiet_until(BERLIN_NIGHTS, night) == utc(2026, 3, 29, 5, 0)
    assert not is_quiet(BERLIN_NIGHTS, utc(2026, 3, 29, 5, 0))


def test_berlin_an_end_in_the_skipped_hour_ends_when_the_clocks_jump() -> None:
    window = QuietHours("Europe/Berlin", time(23, 0), time(2, 30))
    night = utc(2026, 3, 29, 0, 30)  # 01:30 CET
    assert is_quiet(window, night)
    assert quiet_until(window, night) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST, the jump
    assert not is_quiet(window, utc(2026, 3, 29, 1, 0))


def test_berlin_fall_back_night_ends_at_the_first_seven_and_does_not_start_again() -> None:
    """25 October 2026: at 03:00 the clocks go back to 02:00. A window ending in the
    repeated hour ends the first time the clock reads it."""
    window = QuietHours("Europe/Berlin", time(22, 0), time(2, 30))
    assert is_quiet(window, utc(2026, 10, 25, 0, 10))  # 02:10 CEST
    assert quiet_until(window, utc(2026, 10, 25, 0, 10)) == utc(2026, 10, 25, 0, 30)
    assert not is_quiet(window, utc(2026, 10, 25, 1, 10))  # 02:10 CET, the second time
    assert quiet_until(BERLIN_NIGHTS, utc(2026, 10, 25, 3, 0)) == utc(2026, 10, 25, 6, 0)


def test_new_york_across_both_changes() -> None:
    evenings = QuietHours("America/New_York", time(21, 0), time(6, 0))
    # 8 March 2026: 02:00 EST becomes 03:00 EDT.
    assert quiet_since(evenings, utc(2026, 3, 8, 7, 0)) == utc(2026, 3, 8, 2, 0)  # 21:00 EST
    assert quiet_until(evenings, utc(2026, 3, 8, 7, 0)) == utc(2026, 3, 8, 10, 0)  # 06:00 EDT
    # 1 November 2026: 02:00 EDT becomes 01:00 EST.
    assert quiet_since(evenings, utc(2026, 11, 1, 4, 0)) == utc(2026, 11, 1, 1, 0)  # 21:00 EDT
    assert quiet_until(evenings, utc(2026, 11, 1, 4, 0)) == utc(2026, 11, 1, 11, 0)  # 06:00 EST
    assert not is_quiet(evenings, utc(2026, 11, 1, 11, 0))


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def test_settings_default_to_utc_without_a_window_and_are_checked(node: Node) -> None:
    ana = await node.member("ana")
    assert await node.run(lambda s: quiet_hours_of(s, ana.account_id)) == QuietHours(
        "UTC", None, None
    )
    saved = await node.run(
        lambda s: set_quiet_hours(
            s, ana.account_id, time_zone="Europe/Berlin", start=time(22, 0), end=time(7, 0)
        )
    )
    assert saved == BERLIN_NIGHTS
    assert await node.run(lambda s: quiet_hours_of(s, ana.account_id)) == BERLIN_NIGHTS
    refused = [
        ("Mars/Olympus", None, None),
        ("", None, None),
        ("UTC", time(22, 0), None),
        ("UTC", time(22, 0), time(22, 0)),
    ]
    for zone, start, end in refused:

        async def change(
            session: AsyncSession, z: str = zone, a: time | None = start, b: time | None = end
        ) -> QuietHours:
            return await set_quiet_hours(session, ana.account_id, time_zone=z, start=a, end=b)

        with pytest.raises(InvalidInput):
            await node.run(change)
    assert await node.run(lambda s: quiet_hours_of(s, ana.account_id)) == BERLIN_NIGHTS


async def test_in_quiet_hours_nothing_is_new_and_afterwards_it_all_is(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.run(
        lambda s: set_quiet_hours(
            s, ana.account_id, time_zone="Europe/Berlin", start=time(22, 0), end=time(7, 0)
        )
    )
    night = utc(2026, 3, 28, 23, 0)  # midnight in Berlin
    await node.run(
        lambda s: notify(
            s, ana.actor_id, NotificationKind.MENTION, actor_id=ben.actor_id, now=night
        )
    )
    during = await node.run(lambda s: unread_count(s, ana.account_id, ana.actor_id, now=night))
    assert during.count == 0
    assert during.quiet_until == utc(2026, 3, 29, 5, 0)  # 07:00 summer time
    morning = night + timedelta(hours=6)
    after = await node.run(lambda s: unread_count(s, ana.account_id, ana.actor_id, now=morning))
    assert (after.count, after.quiet_until) == (1, None)
    counts = await node.run(lambda s: unread_counts_since(s, ana.account_id, since=None))
    assert counts == {NotificationKind.MENTION: 1}
    later = await node.run(lambda s: unread_counts_since(s, ana.account_id, since=night))
    assert later == {}
