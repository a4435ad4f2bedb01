"""Saying one is coming, as members and facilitators see it: places, the waiting list
and who is promoted, approval by a facilitator, what anonymous attendance hides, and a
member's answers in their archive and gone with their account."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.account_deletion import deleting
from node.errors import Conflict, PermissionDenied
from node.export import jobs
from node.kinds import Attendance, MeetingJoinMode, MembershipState, NotificationKind
from node.meetings import attending, reading, scheduling
from node.passwords import Passwords
from node.site import Site
from node.views import Viewer
from tests.node.export_helpers import archive_files, download
from tests.node.factories import PASSWORD, Node
from tests.node.meeting_helpers import BASE, circle, schedule, told


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def say(node: Node, viewer: Viewer, public_id: str, state: Attendance) -> Attendance | None:
    view = await node.run(lambda s: attending.answer(s, viewer, public_id, state, now=node.now))
    return view.attendance


async def test_the_fourth_waits_and_is_promoted_when_someone_leaves(node: Node) -> None:
    mod, people = await circle(node, "ana", "ben", "cat", "dan", "eve")
    ana, ben, cat, dan, eve = people
    meeting = await schedule(node, mod, capacity=3)
    for viewer in (ana, ben, cat):
        assert await say(node, viewer, meeting.public_id, Attendance.GOING) is Attendance.GOING
    assert await say(node, dan, meeting.public_id, Attendance.GOING) is Attendance.WAITING
    assert await say(node, eve, meeting.public_id, Attendance.GOING) is Attendance.WAITING
    full = await node.run(lambda s: reading.get_meeting(s, dan, meeting.public_id))
    assert (full.going_count, full.remaining) == (3, 0)
    assert full.online_url is None  # waiting is not attending

    await node.run(lambda s: attending.leave(s, ben, meeting.public_id, now=node.now))

    promoted = await node.run(lambda s: reading.get_meeting(s, dan, meeting.public_id))
    assert promoted.attendance is Attendance.GOING
    assert promoted.online_url == BASE.online_url
    assert await told(node, dan, NotificationKind.MEETING_PROMOTED) == 1
    still = await node.run(lambda s: reading.get_meeting(s, eve, meeting.public_id))
    assert still.attendance is Attendance.WAITING
    assert await told(node, eve, NotificationKind.MEETING_PROMOTED) == 0


async def test_changing_to_maybe_gives_the_place_to_the_next(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, capacity=1)
    await say(node, ana, meeting.public_id, Attendance.GOING)
    assert await say(node, ben, meeting.public_id, Attendance.GOING) is Attendance.WAITING
    assert await say(node, ana, meeting.public_id, Attendance.MAYBE) is Attendance.MAYBE
    assert await told(node, ben, NotificationKind.MEETING_PROMOTED) == 1


async def test_a_larger_capacity_lets_those_waiting_in(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, capacity=1)
    await say(node, ana, meeting.public_id, Attendance.GOING)
    await say(node, ben, meeting.public_id, Attendance.GOING)

    bigger = replace(scheduling.input_of(meeting), capacity=2)
    await node.run(
        lambda s: scheduling.edit_meeting(s, mod, meeting.public_id, bigger, now=node.now)
    )
    assert await told(node, ben, NotificationKind.MEETING_PROMOTED) == 1


async def test_approval_holds_going_until_a_facilitator_accepts(node: Node) -> None:
    mod, (ana, ben, fay) = await circle(node, "ana", "ben", "fay")
    meeting = await schedule(node, mod, join_mode=MeetingJoinMode.APPROVAL)
    await node.run(
        lambda s: scheduling.set_facilitator(
            s, node.site, mod, meeting.public_id, "fay", appoint=True
        )
    )
    assert await say(node, ana, meeting.public_id, Attendance.GOING) is Attendance.PENDING
    assert await say(node, ben, meeting.public_id, Attendance.GOING) is Attendance.PENDING
    pending = await node.run(lambda s: reading.get_meeting(s, ana, meeting.public_id))
    assert pending.online_url is None
    assert pending.going_count == 0

    seen = await node.run(lambda s: attending.participants(s, fay, meeting.public_id))
    assert seen.pending == 2
    assert [p.member.handle for p in seen.participants] == ["ana", "ben"]
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: attending.decide(
                s, node.site, ben, meeting.public_id, "ana", accept=True, now=node.now
            )
        )

    accepted = await node.run(
        lambda s: attending.decide(
            s, node.site, fay, meeting.public_id, "ana", accept=True, now=node.now
        )
    )
    assert accepted.state is Attendance.GOING
    await node.run(
        lambda s: attending.decide(
            s, node.site, fay, meeting.public_id, "ben", accept=False, now=node.now
        )
    )
    assert await told(node, ana, NotificationKind.MEETING_ACCEPTED) == 1
    assert await told(node, ben, NotificationKind.MEETING_DECLINED) == 1
    now_going = await node.run(lambda s: reading.get_meeting(s, ana, meeting.public_id))
    assert now_going.online_url == BASE.online_url
    with pytest.raises(Conflict):
        await node.run(
            lambda s: attending.decide(
                s, node.site, fay, meeting.public_id, "ben", accept=True, now=node.now
            )
        )


async def test_anonymous_attendance_shows_counts_only(node: Node) -> None:
    mod, (ana, ben, cat) = await circle(node, "ana", "ben", "cat")
    open_one = await schedule(node, mod)
    quiet_one = await schedule(node, mod, anonymous_attendance=True)
    for meeting in (open_one, quiet_one):
        await say(node, ana, meeting.public_id, Attendance.GOING)
        await say(node, ben, meeting.public_id, Attendance.MAYBE)

    named = await node.run(lambda s: attending.participants(s, cat, open_one.public_id))
    assert named.names_shown
    assert [p.member.handle for p in named.participants] == ["ana"]

    for viewer in (cat, ana, None):
        counted = await node.run(
            partial(attending.participants, viewer=viewer, public_id=quiet_one.public_id)
        )
        assert (counted.going, counted.maybe) == (1, 1)
        assert not counted.names_shown
        assert counted.participants == ()
    passer_by = await node.run(lambda s: attending.participants(s, None, open_one.public_id))
    assert passer_by.participants == ()


async def test_banned_members_and_strangers_cannot_answer(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana")
    stranger = await node.member("zed")
    meeting = await schedule(node, mod)
    await node.set_state(ana, "circle", MembershipState.BANNED)
    for viewer in (ana, stranger):
        with pytest.raises(PermissionDenied):
            await say(node, viewer, meeting.public_id, Attendance.GOING)


async def test_my_meetings_lists_what_i_answered(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana")
    first = await schedule(node, mod)
    second = await schedule(node, mod, title="Saturday walk")
    await schedule(node, mod, title="Not for me")
    await say(node, ana, first.public_id, Attendance.GOING)
    await say(node, ana, second.public_id, Attendance.MAYBE)
    mine = await node.run(lambda s: reading.my_meetings(s, ana, now=node.now, limit=1))
    assert [m.title for m in mine.items] == ["Saturday walk"]
    rest = await node.run(lambda s: reading.my_meetings(s, ana, mine.next_cursor, now=node.now))
    assert [m.title for m in rest.items] == ["Thursday circle"]


async def test_the_archive_holds_my_answers(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana")
    meeting = await schedule(node, mod)
    await say(node, ana, meeting.public_id, Attendance.GOING)
    status = await node.run(lambda s: jobs.request_export(s, node.site, ana, now=node.now))
    exported, page = archive_files(await download(node.sessions, ana, node.now, status.token))
    assert [(m["title"], m["group"], m["answer"]) for m in exported["meetings"]] == [
        ("Thursday circle", f"circle@{node.site.domain}", "going")
    ]
    assert "Your meetings" in page


async def test_a_deleted_members_place_goes_to_the_next_in_line(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, capacity=1)
    await say(node, ana, meeting.public_id, Attendance.GOING)
    await say(node, ben, meeting.public_id, Attendance.GOING)
    await node.run(
        lambda s: deleting.delete_own_account(s, node.passwords, ana, PASSWORD, now=node.now)
    )
    seen = await node.run(lambda s: attending.participants(s, mod, meeting.public_id))
    assert [(p.member.handle, p.state) for p in seen.participants] == [("ben", Attendance.GOING)]
    assert await told(node, ben, NotificationKind.MEETING_PROMOTED) == 1
