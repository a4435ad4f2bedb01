"""Meetings as a group's moderators, facilitators and members meet them: who may
schedule, when each occurrence falls (the local clock time holds across daylight
saving), cancelled and moved occurrences, what only attendees see, and reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import notifications
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.kinds import Attendance, NotificationKind, Recurrence, Visibility
from node.meetings import attending, reading, scheduling
from node.meetings.recurrence import Change, Rule, occurrences
from node.meetings.reminders import due_reminders
from node.passwords import Passwords
from node.site import Site
from tests.node.factories import Node
from tests.node.meeting_helpers import BASE, circle, schedule, told

BERLIN = "Europe/Berlin"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


def local_starts(rule: Rule, count: int) -> list[tuple[date, time, datetime]]:
    """(local date, local clock, UTC start) of the first ``count`` occurrences."""
    found = occurrences(rule, {}, after=datetime(2027, 1, 1, tzinfo=UTC), limit=count)
    zone = ZoneInfo(rule.time_zone)
    return [
        (o.starts_at.astimezone(zone).date(), o.starts_at.astimezone(zone).time(), o.starts_at)
        for o in found
    ]


def test_a_weekly_meeting_stays_at_seven_in_berlin_across_the_clock_change() -> None:
    rule = Rule(datetime(2027, 3, 18, 19, 0), BERLIN, timedelta(minutes=90), Recurrence.WEEKLY)
    starts = local_starts(rule, 3)
    assert [day for day, _, _ in starts] == [date(2027, 3, 18), date(2027, 3, 25), date(2027, 4, 1)]
    assert {clock for _, clock, _ in starts} == {time(19, 0)}
    # In UTC it moves by the hour the clocks moved.
    assert [utc.hour for _, _, utc in starts] == [18, 18, 17]


def test_every_two_weeks_and_a_count() -> None:
    rule = Rule(
        datetime(2027, 3, 18, 19, 0), BERLIN, timedelta(hours=1), Recurrence.WEEKLY, 2, count=3
    )
    starts = local_starts(rule, 10)
    assert [day for day, _, _ in starts] == [date(2027, 3, 18), date(2027, 4, 1), date(2027, 4, 15)]
    assert {clock for _, clock, _ in starts} == {time(19, 0)}


def test_the_first_saturday_of_each_month() -> None:
    rule = Rule(
        datetime(2027, 2, 6, 10, 30),
        BERLIN,
        timedelta(hours=2),
        Recurrence.MONTHLY_WEEKDAY,
        until_date=date(2027, 5, 31),
    )
    starts = local_starts(rule, 10)
    assert [day for day, _, _ in starts] == [
        date(2027, 2, 6),
        date(2027, 3, 6),
        date(2027, 4, 3),
        date(2027, 5, 1),
    ]
    assert all(day.weekday() == 5 for day, _, _ in starts)
    assert {clock for _, clock, _ in starts} == {time(10, 30)}


def test_monthly_by_date_skips_months_without_the_day() -> None:
    rule = Rule(datetime(2027, 1, 31, 18, 0), BERLIN, timedelta(hours=1), Recurrence.MONTHLY_DATE)
    starts = local_starts(rule, 4)
    assert [day for day, _, _ in starts] == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
    ]
    assert [utc.hour for _, _, utc in starts] == [17, 16, 16, 16]


def test_a_cancelled_occurrence_is_left_out_and_a_moved_one_is_at_its_new_time() -> None:
    rule = Rule(datetime(2027, 3, 18, 19, 0), BERLIN, timedelta(minutes=90), Recurrence.WEEKLY)
    changes = {
        date(2027, 3, 25): Change(cancelled=True),
        date(2027, 4, 1): Change(moved_to_local=datetime(2027, 4, 2, 18, 0)),
    }
    found = occurrences(rule, changes, after=datetime(2027, 3, 1, tzinfo=UTC), limit=3)
    assert [o.original_date for o in found] == [
        date(2027, 3, 18),
        date(2027, 4, 1),
        date(2027, 4, 8),
    ]
    assert found[1].moved
    assert found[1].starts_at == datetime(2027, 4, 2, 16, 0, tzinfo=UTC)


async def test_moderators_schedule_and_members_do_not(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana")
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY)
    assert meeting.title == "Thursday circle"
    assert meeting.description_html == "<p>We <strong>meet</strong> and talk.</p>"
    assert meeting.starts_at == datetime(2027, 3, 18, 18, 0, tzinfo=UTC)
    with pytest.raises(PermissionDenied):
        await schedule(node, ana)


async def test_a_facilitator_runs_the_meeting_but_cannot_schedule(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY)
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: scheduling.set_facilitator(
                s, node.site, ben, meeting.public_id, "ana", appoint=True
            )
        )
    await node.run(
        lambda s: scheduling.set_facilitator(
            s, node.site, mod, meeting.public_id, "ana", appoint=True
        )
    )
    cancelled = await node.run(
        lambda s: scheduling.cancel_occurrence(
            s, ana, meeting.public_id, date(2027, 3, 25), now=node.now
        )
    )
    assert [e.occurrence_date for e in cancelled.exceptions if e.cancelled] == [date(2027, 3, 25)]
    assert cancelled.sequence == 1
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: scheduling.cancel_occurrence(
                s, ben, meeting.public_id, date(2027, 4, 1), now=node.now
            )
        )
    with pytest.raises(PermissionDenied):
        await schedule(node, ana)


async def test_an_occurrence_the_rule_does_not_give_cannot_be_cancelled(node: Node) -> None:
    mod, _ = await circle(node)
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY)
    with pytest.raises(NotFound):
        await node.run(
            lambda s: scheduling.cancel_occurrence(
                s, mod, meeting.public_id, date(2027, 3, 19), now=node.now
            )
        )


async def test_the_group_lists_coming_occurrences_a_page_at_a_time(node: Node) -> None:
    mod, _ = await circle(node)
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY, count=5)
    await node.run(
        lambda s: scheduling.move_occurrence(
            s, mod, meeting.public_id, date(2027, 3, 25), datetime(2027, 3, 26, 19, 0), now=node.now
        )
    )
    first = await node.run(
        lambda s: reading.upcoming_in_group(s, node.site, None, "circle", now=node.now, limit=3)
    )
    assert [o.starts_local for o in first.items] == [
        datetime(2027, 3, 18, 19, 0),
        datetime(2027, 3, 26, 19, 0),
        datetime(2027, 4, 1, 19, 0),
    ]
    assert first.items[1].moved
    rest = await node.run(
        lambda s: reading.upcoming_in_group(
            s, node.site, None, "circle", first.next_cursor, now=node.now, limit=3
        )
    )
    assert [o.original_date for o in rest.items] == [date(2027, 4, 8), date(2027, 4, 15)]
    assert rest.next_cursor is None


async def test_a_private_groups_meetings_are_for_its_members(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana", visibility=Visibility.PRIVATE)
    stranger = await node.member("zed")
    meeting = await schedule(node, mod)
    seen = await node.run(lambda s: reading.get_meeting(s, ana, meeting.public_id))
    assert seen.title == "Thursday circle"
    for viewer in (stranger, None):
        with pytest.raises(NotFound):
            await node.run(partial(reading.get_meeting, viewer=viewer, public_id=meeting.public_id))


async def test_the_link_is_only_for_confirmed_attendees(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, place="Room 4, Linden St 12")
    assert meeting.online_url == "https://meet.example/circle-room"  # the moderator sees it
    for viewer in (ben, None):
        hidden = await node.run(
            partial(reading.get_meeting, viewer=viewer, public_id=meeting.public_id)
        )
        assert hidden.online_url is None
        assert hidden.place is None
        assert hidden.is_online
    going = await node.run(
        lambda s: attending.answer(s, ana, meeting.public_id, Attendance.GOING, now=node.now)
    )
    assert going.online_url == "https://meet.example/circle-room"
    assert going.place == "Room 4, Linden St 12"
    maybe = await node.run(
        lambda s: attending.answer(s, ben, meeting.public_id, Attendance.MAYBE, now=node.now)
    )
    assert maybe.online_url is None


async def test_a_group_may_show_the_details_to_everyone(node: Node) -> None:
    mod, _ = await circle(node)
    meeting = await schedule(node, mod, details_for_attendees=False)
    seen = await node.run(lambda s: reading.get_meeting(s, None, meeting.public_id))
    assert seen.online_url == "https://meet.example/circle-room"


async def test_cancelling_tells_everyone_going_and_nobody_else(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY)
    await node.run(
        lambda s: attending.answer(s, ana, meeting.public_id, Attendance.GOING, now=node.now)
    )
    await node.run(
        lambda s: attending.answer(s, ben, meeting.public_id, Attendance.MAYBE, now=node.now)
    )
    await node.run(
        lambda s: scheduling.cancel_occurrence(
            s, mod, meeting.public_id, date(2027, 4, 1), now=node.now
        )
    )
    assert await told(node, ana, NotificationKind.MEETING_CANCELLED) == 1
    assert await told(node, ben, NotificationKind.MEETING_CANCELLED) == 0
    await node.run(lambda s: scheduling.cancel_meeting(s, mod, meeting.public_id, now=node.now))
    assert await told(node, ana, NotificationKind.MEETING_CANCELLED) == 2
    gone = await node.run(lambda s: reading.get_meeting(s, ana, meeting.public_id))
    assert gone.cancelled
    with pytest.raises(Conflict):
        await node.run(
            lambda s: attending.answer(s, ben, meeting.public_id, Attendance.GOING, now=node.now)
        )


async def test_reminders_come_a_day_and_an_hour_before_once_each(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY, count=2)
    await node.run(
        lambda s: attending.answer(s, ana, meeting.public_id, Attendance.GOING, now=node.now)
    )
    await node.run(
        lambda s: attending.answer(s, ben, meeting.public_id, Attendance.MAYBE, now=node.now)
    )
    start = datetime(2027, 3, 18, 18, 0, tzinfo=UTC)

    async def run_at(moment: datetime) -> int:
        return await node.run(lambda s: due_reminders(s, moment))

    assert await run_at(start - timedelta(days=2)) == 0
    assert await run_at(start - timedelta(hours=23)) == 1
    assert await run_at(start - timedelta(hours=22)) == 0  # told already
    assert await run_at(start - timedelta(minutes=50)) == 1
    assert await run_at(start - timedelta(minutes=10)) == 0
    assert await told(node, ana, NotificationKind.MEETING_REMINDER) == 2
    assert await told(node, ben, NotificationKind.MEETING_REMINDER) == 0
    # The next week's occurrence has its own.
    assert await run_at(start + timedelta(days=7, hours=-1)) == 1


async def test_a_reminder_in_quiet_hours_waits_and_is_not_lost(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana")
    meeting = await schedule(node, mod)
    await node.run(
        lambda s: attending.answer(s, ana, meeting.public_id, Attendance.GOING, now=node.now)
    )
    await node.run(
        lambda s: notifications.set_quiet_hours(
            s, ana.account_id, time_zone=BERLIN, start=time(18, 30), end=time(22, 0)
        )
    )
    hour_before = datetime(2027, 3, 18, 17, 0, tzinfo=UTC)  # 18:00 in Berlin: not quiet
    day_before = datetime(2027, 3, 17, 18, 15, tzinfo=UTC)  # 19:15 in Berlin: quiet
    assert await node.run(lambda s: due_reminders(s, day_before)) == 1
    quiet = await node.run(
        lambda s: notifications.unread_count(s, ana.account_id, ana.actor_id, now=day_before)
    )
    assert quiet.count == 0
    after = datetime(2027, 3, 17, 21, 30, tzinfo=UTC)
    later = await node.run(
        lambda s: notifications.unread_count(s, ana.account_id, ana.actor_id, now=after)
    )
    assert later.count == 1
    assert await node.run(lambda s: due_reminders(s, hour_before)) == 1


async def test_a_meeting_needs_a_title_and_a_real_zone(node: Node) -> None:
    mod, _ = await circle(node)
    with pytest.raises(InvalidInput):
        await schedule(node, mod, title=" ")
    with pytest.raises(InvalidInput):
        await schedule(node, mod, time_zone="Mars/Olympus")
    with pytest.raises(InvalidInput):
        await schedule(node, mod, online_url="javascript:alert(1)")
    assert BASE.time_zone == BERLIN
