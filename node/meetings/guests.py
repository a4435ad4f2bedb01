"""People on other nodes coming to our meetings: their ``Join`` read as an RSVP, their
``Leave``, and who is coming from elsewhere.

A guest's Join is "going" as a member's is, under the same rules: pending in approval
mode, in line when full, a place that goes to the next in line when they leave. Who
may ask is the group's to say: anyone not banned from a public group (as anyone may
read its meetings), approved members only for a private one. A refusal and a place are
answered (``node.meetings.guest_answers``); pending and waiting are not, yet. A Join
delivered twice, or sent again by a node that lost track, is answered as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import NotFound
from node.federated.actors import KnownActor
from node.kinds import Attendance, MeetingJoinMode, MembershipState, Visibility
from node.meetings.attending import promote_waiting
from node.meetings.guest_answers import tell_guest
from node.meetings.reading import going_count
from node.permissions import ban_has_ended
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.meetings import Meeting, MeetingParticipation

# A Join from a guest who stands here already is answered as before (a declined one
# asks anew, as a member may).
_STANDING = frozenset({Attendance.GOING, Attendance.WAITING, Attendance.PENDING})


@dataclass(frozen=True)
class Guest:
    """A person elsewhere with an RSVP to one of our meetings, and the Join behind it."""

    actor_id: int
    state: Attendance
    join_uri: str


async def hosted_meeting_row(
    session: AsyncSession, public_id: str, *, for_update: bool = False
) -> Meeting:
    """One of the meetings hosted here (never one of a group elsewhere), else NotFound."""
    query = select(Meeting).where(Meeting.public_id == public_id, Meeting.ap_id.is_(None))
    meeting = await session.scalar(query.with_for_update() if for_update else query)
    if meeting is None:
        raise NotFound("no such meeting")
    return meeting


async def _may_ask(
    session: AsyncSession, meeting: Meeting, guest: KnownActor, now: datetime
) -> bool:
    group = await session.get_one(Group, meeting.group_id)
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == guest.id)
    )
    state = None if membership is None else membership.state
    if state is MembershipState.BANNED:
        assert membership is not None
        if not ban_has_ended(membership.banned_until, now):
            return False
        state = None
    if group.visibility is Visibility.PRIVATE:
        return state is MembershipState.APPROVED
    return True


async def guest_joins(
    session: AsyncSession, public_id: str, guest: KnownActor, *, join_uri: str, now: datetime
) -> Attendance | None:
    """A person elsewhere asks to come (their Join ``join_uri``); where they stand now
    (None: refused, and told so)."""
    meeting = await hosted_meeting_row(session, public_id, for_update=True)
    row = await session.scalar(
        select(MeetingParticipation).where(
            MeetingParticipation.meeting_id == meeting.id,
            MeetingParticipation.actor_id == guest.id,
        )
    )
    allowed = guest.is_person and not guest.local and meeting.cancelled_at is None
    if not allowed or not await _may_ask(session, meeting, guest, now):
        await tell_guest(session, meeting, guest.id, join_uri, accepted=False, now=now)
        return None
    if row is not None and row.state in _STANDING:
        row.activity_id = join_uri  # the answer names the Join that asked last
        await session.flush()
        if row.state is Attendance.GOING:
            await tell_guest(
                session,
                meeting,
                guest.id,
                join_uri,
                accepted=True,
                now=now,
                participation_id=row.id,
            )
        return row.state
    if meeting.join_mode is MeetingJoinMode.APPROVAL:
        state = Attendance.PENDING
    elif (
        meeting.capacity is not None and await going_count(session, meeting.id) >= meeting.capacity
    ):
        state = Attendance.WAITING
    else:
        state = Attendance.GOING
    if row is None:
        row = MeetingParticipation(meeting_id=meeting.id, actor_id=guest.id)
        session.add(row)
    row.state, row.since, row.activity_id = state, now, join_uri
    await session.flush()
    if state is Attendance.GOING:
        await tell_guest(
            session, meeting, guest.id, join_uri, accepted=True, now=now, participation_id=row.id
        )
    return state


async def guest_leaves(
    session: AsyncSession, public_id: str, guest: KnownActor, *, now: datetime
) -> bool:
    """A person elsewhere takes back their RSVP (a place they held goes to the next in
    line); False when they had none."""
    meeting = await hosted_meeting_row(session, public_id, for_update=True)
    row = await session.scalar(
        select(MeetingParticipation).where(
            MeetingParticipation.meeting_id == meeting.id,
            MeetingParticipation.actor_id == guest.id,
        )
    )
    if row is None:
        return False
    was_going = row.state is Attendance.GOING
    await session.delete(row)
    await session.flush()
    if was_going:
        await promote_waiting(session, meeting, now=now)
    return True


async def guests_of(session: AsyncSession, meeting_id: int) -> list[Guest]:
    """Those with an RSVP to the meeting who came from other nodes, in the order they asked."""
    rows = await session.execute(
        select(
            MeetingParticipation.actor_id,
            MeetingParticipation.state,
            MeetingParticipation.activity_id,
        )
        .join(Actor, Actor.id == MeetingParticipation.actor_id)
        .where(
            MeetingParticipation.meeting_id == meeting_id,
            Actor.local.is_(False),
            MeetingParticipation.activity_id.is_not(None),
        )
        .order_by(MeetingParticipation.since, MeetingParticipation.id)
    )
    return [Guest(actor_id, state, join) for actor_id, state, join in rows if join is not None]


async def guest_at(session: AsyncSession, participation_id: int) -> tuple[int, Guest] | None:
    """The meeting (its row id) and guest of a participation, if it is still a guest's."""
    row = await session.get(MeetingParticipation, participation_id)
    if row is None or row.activity_id is None:
        return None
    return row.meeting_id, Guest(row.actor_id, row.state, row.activity_id)
