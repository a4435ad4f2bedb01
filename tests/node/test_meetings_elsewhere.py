"""Meetings of a group on another node, as our members see them: kept once and updated
as the group says, cancelled by it alone, never run here; and a member asking to come,
waiting for the group's answer, told of it, seeing the details only once accepted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.actors import upsert_remote_actor
from node.errors import PermissionDenied
from node.events import EventKind
from node.federated.actors import KnownGroup, group_by_id
from node.groups.remote_groups import upsert_remote_group
from node.kinds import ActorKind, Attendance, JoinPolicy, NotificationKind, Recurrence
from node.meetings import attending, elsewhere, joining_elsewhere, reading, scheduling
from node.meetings.elsewhere import MeetingElsewhere
from node.meetings.views import ExceptionView
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.storage.models.groups import Group
from node.storage.models.meetings import MeetingParticipation
from node.views import Viewer
from tests.node.factories import Node
from tests.node.meeting_helpers import told
from tests.node.test_pending_posts import ELSEWHERE, _group_elsewhere

EVENT = "https://peer.example/events/thursday"
GIVEN = MeetingElsewhere(
    ap_id=EVENT,
    title="Thursday circle",
    time_zone="Europe/Berlin",
    starts_local=datetime(2027, 3, 4, 19),
    duration=timedelta(minutes=90),
    remote_url="https://peer.example/events/thursday/page",
    description_html="<p>Come as you are.</p><script>alert(1)</script>",
    recurrence=Recurrence.WEEKLY,
    changes=(ExceptionView(date(2027, 3, 11), True, None),),
    place="Community centre, Main Street 1",
)


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _group(node: Node, *members: Viewer) -> KnownGroup:
    row = await _group_elsewhere(node, *members)
    return await node.run(lambda s: group_by_id(s, row.id))


async def _keep(node: Node, group: KnownGroup, given: MeetingElsewhere = GIVEN) -> bool:
    return await node.run(lambda s: elsewhere.keep_meeting_elsewhere(s, group, given, now=node.now))


async def _public_id(node: Node) -> str:
    meeting = await node.run(lambda s: elsewhere.meeting_elsewhere(s, EVENT))
    assert meeting is not None
    return meeting.public_id


async def _events(node: Node) -> list[str]:
    async with node.sessions() as session:
        return list(await session.scalars(select(Event.kind).order_by(Event.id)))


async def test_a_meeting_elsewhere_is_kept_once_updated_and_shown_as_ours_are(node: Node) -> None:
    ana = await node.member("ana")
    group = await _group(node, ana)
    assert await _keep(node, group) is True
    assert await _keep(node, group, replace(GIVEN, title="Thursday circle (new room)")) is False
    public_id = await _public_id(node)
    view = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert view.title == "Thursday circle (new room)"
    assert view.description_html == "<p>Come as you are.</p>"
    assert view.place == "Community centre, Main Street 1"  # shown to everyone there
    assert view.can_manage is False
    assert view.sequence == 1
    assert (view.recurrence, view.starts_local) == (Recurrence.WEEKLY, datetime(2027, 3, 4, 19))
    assert [(e.occurrence_date, e.cancelled) for e in view.exceptions] == [
        (date(2027, 3, 11), True)
    ]
    coming = await node.run(
        lambda s: reading.upcoming_in_group(s, node.site, ana, ELSEWHERE, now=node.now, limit=3)
    )
    starts = [item.starts_local for item in coming.items]
    assert starts[:2] == [datetime(2027, 3, 4, 19), datetime(2027, 3, 18, 19)]  # 11th cancelled
    with pytest.raises(PermissionDenied):  # nobody here runs it, not even the group's mods
        await node.run(lambda s: scheduling.cancel_meeting(s, ana, public_id, now=node.now))


async def test_only_its_group_speaks_for_it_and_only_while_someone_here_follows(
    node: Node,
) -> None:
    ana = await node.member("ana")
    group = await _group(node, ana)
    await _keep(node, group)
    async with node.sessions.begin() as session:
        actor = await upsert_remote_actor(
            session,
            uri="https://other.example/c/impostor",
            kind=ActorKind.GROUP,
            handle="impostor",
            domain="other.example",
            display_name="Impostor",
            summary="",
            now=node.now,
        )
        row = await upsert_remote_group(
            session, actor, join_policy=JoinPolicy.OPEN, posting_restricted_to_moderators=False
        )
    impostor = await node.run(lambda s: group_by_id(s, row.id))
    with pytest.raises(PermissionDenied):
        await _keep(node, impostor, replace(GIVEN, title="Moved to my place"))
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: elsewhere.cancel_meeting_elsewhere(s, impostor, EVENT, now=node.now)
        )
    with pytest.raises(PermissionDenied):  # nobody here follows it: its meetings are not kept
        await _keep(node, impostor, replace(GIVEN, ap_id="https://other.example/events/1"))
    mod = await node.member("mod")
    await node.group(mod, "home")
    home = await node.run(_local_group)
    with pytest.raises(PermissionDenied):  # a group of ours is scheduled here
        await _keep(node, home, replace(GIVEN, ap_id="https://peer.example/events/2"))
    public_id = await _public_id(node)
    view = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert view.title == "Thursday circle"


async def _local_group(session: AsyncSession) -> KnownGroup:
    group_id = await session.scalar(
        select(Group.id).join(Actor, Actor.id == Group.actor_id).where(Actor.local.is_(True))
    )
    assert group_id is not None
    return await group_by_id(session, group_id)


async def test_the_group_cancels_it_and_those_going_are_told(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    group = await _group(node, ana, ben)
    await _keep(node, group)
    public_id = await _public_id(node)
    join = await _going_and_accepted(node, ana, public_id)
    assert join.state is Attendance.PENDING
    cancelled = await node.run(
        lambda s: elsewhere.cancel_meeting_elsewhere(s, group, EVENT, now=node.now)
    )
    assert cancelled is True
    view = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert view.cancelled
    assert await told(node, ana, NotificationKind.MEETING_CANCELLED) == 1
    assert await told(node, ben, NotificationKind.MEETING_CANCELLED) == 0
    again = await node.run(
        lambda s: elsewhere.cancel_meeting_elsewhere(s, group, EVENT, now=node.now)
    )
    assert again is False
    # An Update that says CANCELLED (Mobilizon's ical:status) cancels too.
    await _keep(node, group, replace(GIVEN, ap_id="https://peer.example/events/2"))
    await _keep(node, group, replace(GIVEN, ap_id="https://peer.example/events/2", cancelled=True))
    other = await node.run(
        lambda s: elsewhere.meeting_elsewhere(s, "https://peer.example/events/2")
    )
    assert other is not None
    assert other.cancelled_at is not None


async def _going_and_accepted(
    node: Node, viewer: Viewer, public_id: str
) -> joining_elsewhere.JoinOfOurs:
    """``viewer`` says going; the Join goes out (its id kept); the group accepts it."""
    view = await node.run(
        lambda s: attending.answer(s, viewer, public_id, Attendance.GOING, now=node.now)
    )
    assert view.attendance is Attendance.PENDING
    participation_id = await node.run(lambda s: _participation_id(s, viewer))
    pending = await node.run(lambda s: joining_elsewhere.join_to_send(s, participation_id))
    assert pending is not None
    join_id = f"https://node.example/activities/join-{viewer.actor_id}"
    await node.run(lambda s: joining_elsewhere.remember_join(s, participation_id, join_id))
    join = await node.run(lambda s: joining_elsewhere.join_named(s, join_id))
    assert join is not None
    assert join.event_id == EVENT
    accepted = await node.run(
        lambda s: joining_elsewhere.join_answered(s, join, accepted=True, now=node.now)
    )
    assert accepted is True
    return join


async def _details(session: AsyncSession, *, group: KnownGroup, member: Viewer) -> bool:
    return await elsewhere.details_for_attendee(
        session,
        group,
        EVENT,
        member.actor_id,
        place="",
        online_url="https://meet.example/r",
        now=datetime(2027, 3, 1, tzinfo=UTC),
    )


async def _participation_id(session: AsyncSession, viewer: Viewer) -> int:
    found = await session.scalar(
        select(MeetingParticipation.id).where(MeetingParticipation.actor_id == viewer.actor_id)
    )
    assert found is not None
    return found


async def test_going_asks_the_group_and_the_details_come_with_its_yes(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    group = await _group(node, ana, ben)
    await _keep(node, group, replace(GIVEN, place="", online_url=""))
    public_id = await _public_id(node)
    join = await _going_and_accepted(node, ana, public_id)
    assert await _events(node) == [EventKind.MEETING_JOIN_REQUESTED]
    assert await told(node, ana, NotificationKind.MEETING_ACCEPTED) == 1
    again = await node.run(
        lambda s: joining_elsewhere.join_answered(s, join, accepted=True, now=node.now)
    )
    assert again is False  # said twice: told once
    # The group sends ana alone the link it keeps for attendees.
    kept = [await node.run(partial(_details, group=group, member=member)) for member in (ana, ben)]
    assert kept == [True, False]  # ben asked nothing
    seen = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert (seen.attendance, seen.online_url) == (Attendance.GOING, "https://meet.example/r")
    not_seen = await node.run(lambda s: reading.get_meeting(s, ben, public_id))
    assert not_seen.online_url is None
    # A later public Update without the link leaves it for attendees.
    await _keep(node, group, replace(GIVEN, place="", online_url="", title="Renamed"))
    still = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert still.online_url == "https://meet.example/r"
    # Nor one that shows a place to everyone: ana keeps the link, ben still sees nothing.
    await _keep(node, group, replace(GIVEN, place="Hall 2", online_url=""))
    still = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert (still.place, still.online_url) == ("Hall 2", "https://meet.example/r")
    not_seen = await node.run(lambda s: reading.get_meeting(s, ben, public_id))
    assert not_seen.online_url is None
    # Maybe is ana's own note; it takes back her place, and the group is told.
    await node.run(lambda s: attending.answer(s, ana, public_id, Attendance.MAYBE, now=node.now))
    assert await _events(node) == [
        EventKind.MEETING_JOIN_REQUESTED,
        EventKind.MEETING_JOIN_WITHDRAWN,
    ]
    await node.run(lambda s: attending.leave(s, ana, public_id, now=node.now))
    assert len(await _events(node)) == 2  # nothing asked: nothing to take back
    await node.run(
        lambda s: attending.answer(s, ben, public_id, Attendance.NOT_GOING, now=node.now)
    )
    assert len(await _events(node)) == 2


async def test_a_no_from_the_group_is_told_kindly_and_leaving_reaches_it(node: Node) -> None:
    ana = await node.member("ana")
    group = await _group(node, ana)
    await _keep(node, group)
    public_id = await _public_id(node)
    await node.run(lambda s: attending.answer(s, ana, public_id, Attendance.GOING, now=node.now))
    participation_id = await node.run(lambda s: _participation_id(s, ana))
    join_id = "https://node.example/activities/join-1"
    await node.run(lambda s: joining_elsewhere.remember_join(s, participation_id, join_id))
    join = await node.run(lambda s: joining_elsewhere.join_named(s, join_id))
    assert join is not None
    await node.run(lambda s: joining_elsewhere.join_answered(s, join, accepted=False, now=node.now))
    view = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    assert view.attendance is Attendance.DECLINED
    assert await told(node, ana, NotificationKind.MEETING_DECLINED) == 1
    # Asking again is a new request; leaving it is said to the group.
    await node.run(lambda s: attending.answer(s, ana, public_id, Attendance.GOING, now=node.now))
    assert await node.run(lambda s: joining_elsewhere.join_named(s, join_id)) is None
    await node.run(lambda s: attending.leave(s, ana, public_id, now=node.now))
    assert await _events(node) == [
        EventKind.MEETING_JOIN_REQUESTED,
        EventKind.MEETING_JOIN_REQUESTED,
        EventKind.MEETING_JOIN_WITHDRAWN,
    ]
    meeting = await node.run(lambda s: elsewhere.meeting_elsewhere(s, EVENT))
    assert meeting is not None
    leaving = await node.run(lambda s: joining_elsewhere.leave_to_send(s, meeting.id))
    assert leaving == (EVENT, group.actor.id)
