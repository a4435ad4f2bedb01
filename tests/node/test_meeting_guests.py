"""People on other nodes coming to our meetings, as the group's facilitators and the
people's own nodes see it: a Join is "going" under the group's rules (places, the
waiting list, approval), a Leave gives the place to the next in line, and each answer
(a place, a refusal) is recorded for the group to send; pending and waiting are not
answers yet. A private group's meetings are for its members, and a ban holds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.actors import upsert_remote_actor
from node.events import EventKind
from node.federated.actors import KnownActor, known
from node.kinds import (
    ActorKind,
    Attendance,
    GroupRole,
    MeetingJoinMode,
    MembershipState,
    Recurrence,
    Visibility,
)
from node.meetings import attending, guests, scheduling
from node.meetings.hosted import announce_next_occurrences, hosted_by_id
from node.passwords import Passwords
from node.site import Site
from node.storage.models.events import Event
from node.storage.models.groups import Membership
from node.storage.models.meetings import Meeting
from tests.node.factories import Node
from tests.node.meeting_helpers import BASE, circle, schedule

DOMAIN = "mobilizon.example"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def person(node: Node, name: str) -> KnownActor:
    async with node.sessions.begin() as session:
        actor = await upsert_remote_actor(
            session,
            uri=f"https://{DOMAIN}/@{name}",
            kind=ActorKind.PERSON,
            handle=name,
            domain=DOMAIN,
            display_name=name.title(),
            summary="",
            now=node.now,
        )
        return known(actor)


async def joins(node: Node, public_id: str, guest: KnownActor, n: int = 1) -> Attendance | None:
    join = f"{guest.uri}/join/{n}"
    return await node.run(
        lambda s: guests.guest_joins(s, public_id, guest, join_uri=join, now=node.now)
    )


async def answers(node: Node) -> list[tuple[str, int | None, dict[str, object]]]:
    """The answers recorded for the group to send, oldest first."""
    kinds = {EventKind.MEETING_GUEST_ACCEPTED.value, EventKind.MEETING_GUEST_REJECTED.value}
    async with node.sessions() as session:
        rows = await session.execute(
            select(Event.kind, Event.subject_id, Event.data)
            .where(Event.kind.in_(kinds))
            .order_by(Event.id)
        )
        return [(kind, subject, json.loads(data)) for kind, subject, data in rows]


async def test_guests_take_places_wait_in_line_and_are_promoted(node: Node) -> None:
    mod, _ = await circle(node)
    meeting = await schedule(node, mod, capacity=3)
    ana, ben, cat, dan = [await person(node, name) for name in ("ana", "ben", "cat", "dan")]
    for guest in (ana, ben, cat):
        assert await joins(node, meeting.public_id, guest) is Attendance.GOING
    assert await joins(node, meeting.public_id, dan) is Attendance.WAITING
    assert [kind for kind, _, _ in await answers(node)] == ["meeting.guest_accepted"] * 3
    # A Join sent again (a node that lost track) is answered again, with no second place.
    assert await joins(node, meeting.public_id, ana, 2) is Attendance.GOING
    assert len(await answers(node)) == 4
    async with node.sessions() as session:
        hosted = await hosted_by_id(session, await _row_id(session, meeting.public_id), node.now)
    assert hosted is not None
    assert (hosted.view.going_count, hosted.view.remaining) == (3, 0)

    assert await node.run(lambda s: guests.guest_leaves(s, meeting.public_id, ben, now=node.now))
    found = await answers(node)
    assert len(found) == 5  # the one in line is told they have a place
    async with node.sessions() as session:
        line = await guests.guests_of(session, await _row_id(session, meeting.public_id))
    assert {(g.actor_id, g.state) for g in line} == {
        (ana.id, Attendance.GOING),
        (cat.id, Attendance.GOING),
        (dan.id, Attendance.GOING),
    }
    assert [g.join_uri for g in line if g.actor_id == ana.id] == [f"{ana.uri}/join/2"]
    # Leaving twice is nothing to do.
    assert not await node.run(
        lambda s: guests.guest_leaves(s, meeting.public_id, ben, now=node.now)
    )


async def _row_id(session: AsyncSession, public_id: str) -> int:
    row = await session.scalar(select(Meeting.id).where(Meeting.public_id == public_id))
    assert row is not None
    return row


async def test_in_approval_mode_a_guest_waits_for_a_facilitator(node: Node) -> None:
    mod, _ = await circle(node)
    meeting = await schedule(node, mod, join_mode=MeetingJoinMode.APPROVAL, capacity=1)
    ana, ben, cat = [await person(node, name) for name in ("ana", "ben", "cat")]
    for guest in (ana, ben, cat):
        assert await joins(node, meeting.public_id, guest) is Attendance.PENDING
    assert await answers(node) == []  # pending is no answer yet

    async def decide(guest: KnownActor, accept: bool) -> Attendance:
        handle = f"{guest.uri.rsplit('@', 1)[1]}@{DOMAIN}"
        answer = await node.run(
            lambda s: attending.decide(
                s, node.site, mod, meeting.public_id, handle, accept=accept, now=node.now
            )
        )
        return answer.state

    assert await decide(ana, True) is Attendance.GOING
    assert await decide(ben, True) is Attendance.WAITING  # full: in line, not answered yet
    assert await decide(cat, False) is Attendance.DECLINED
    found = await answers(node)
    assert [kind for kind, _, _ in found] == ["meeting.guest_accepted", "meeting.guest_rejected"]
    assert found[1][1] == cat.id
    assert found[1][2]["join"] == f"{cat.uri}/join/1"


async def test_a_private_groups_meetings_are_for_its_members_and_a_ban_holds(
    node: Node,
) -> None:
    mod, _ = await circle(node, visibility=Visibility.PRIVATE)
    meeting = await schedule(node, mod)
    stranger = await person(node, "stranger")
    assert await joins(node, meeting.public_id, stranger) is None
    [(kind, subject, _)] = await answers(node)
    assert (kind, subject) == ("meeting.guest_rejected", stranger.id)

    open_mod = await node.member("openmod")
    await node.group(open_mod, "open")
    public = await node.run(
        lambda s: scheduling.schedule_meeting(s, node.site, open_mod, "open", BASE, now=node.now)
    )
    banned = await person(node, "banned")
    async with node.sessions.begin() as session:
        group_id = await session.scalar(
            select(Meeting.group_id).where(Meeting.public_id == public.public_id)
        )
        session.add(
            Membership(
                group_id=group_id,
                member_id=banned.id,
                state=MembershipState.BANNED,
                role=GroupRole.MEMBER,
                created_at=node.now,
                updated_at=node.now,
            )
        )
    assert await joins(node, public.public_id, banned) is None
    assert await joins(node, public.public_id, stranger) is Attendance.GOING


async def test_each_change_is_recorded_for_the_group_and_the_next_occurrence_once(
    node: Node,
) -> None:
    mod, _ = await circle(node)
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY)
    await node.run(
        lambda s: scheduling.cancel_occurrence(
            s, mod, meeting.public_id, meeting.starts_local.date(), now=node.now
        )
    )
    # The first occurrence is over a week later (its cancellation aside): the next is told.
    later = meeting.starts_at + timedelta(days=7, hours=2)
    assert await node.run(lambda s: announce_next_occurrences(s, later)) == 1
    assert await node.run(lambda s: announce_next_occurrences(s, later)) == 0
    await node.run(lambda s: scheduling.cancel_meeting(s, mod, meeting.public_id, now=node.now))
    async with node.sessions() as session:
        kinds = list(
            await session.scalars(
                select(Event.kind).where(Event.kind.like("meeting.%")).order_by(Event.id)
            )
        )
    assert kinds == [
        "meeting.scheduled",
        "meeting.changed",
        "meeting.changed",
        "meeting.cancelled",
    ]
