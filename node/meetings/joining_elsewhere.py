"""Our member and a meeting of a group elsewhere: asking to come, the answer, leaving.

The group's node decides who comes (its capacity, its approval), so here "going" is
asked for and pending until that node's answer arrives: accepted, the member is going
and told; turned down, they are told kindly. "Maybe" and "not going" are our member's
own note and stay here; but saying either after asking to come (or leaving) takes the
request back, so the group's node is told they will not come. What must leave the node
is recorded as an event (``node.events``) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.events import EventKind
from node.events import record as record_event
from node.kinds import Attendance, NotificationKind
from node.meetings.access import MeetingRecord
from node.notifications.recording import notify
from node.storage.models.groups import Group
from node.storage.models.meetings import Meeting, MeetingParticipation

# An answer that asked the group's node for a place (or holds one).
ASKED = frozenset({Attendance.GOING, Attendance.PENDING, Attendance.WAITING})


async def answer_elsewhere(
    session: AsyncSession, record: MeetingRecord, state: Attendance, *, now: datetime
) -> None:
    """The member's answer to a meeting elsewhere: "going" asks its group's node (and is
    pending until it answers); anything else after asking takes the request back."""
    assert record.viewer is not None
    meeting, row = record.meeting, record.participation
    before = None if row is None else row.state
    if state is Attendance.GOING:
        if before in ASKED:
            return
        state = Attendance.PENDING
    if row is None:
        row = MeetingParticipation(meeting_id=meeting.id, actor_id=record.viewer.actor_id)
        session.add(row)
    if before is not state:
        row.state, row.since = state, now
    row.activity_id = None  # a new request gets the id it goes out with
    await session.flush()
    if state is Attendance.PENDING:
        await record_event(
            session,
            EventKind.MEETING_JOIN_REQUESTED,
            actor_id=record.viewer.actor_id,
            subject_id=row.id,
            now=now,
        )
    elif before in ASKED:
        await left_elsewhere(session, meeting, record.viewer.actor_id, now=now)


async def left_elsewhere(
    session: AsyncSession, meeting: Meeting, actor_id: int, *, now: datetime
) -> None:
    """The member no longer comes to a meeting elsewhere they asked to come to: its
    group's node is told."""
    await record_event(
        session, EventKind.MEETING_JOIN_WITHDRAWN, actor_id=actor_id, subject_id=meeting.id, now=now
    )


@dataclass(frozen=True)
class JoinOfOurs:
    """Our member's request to come to a meeting elsewhere, as federation needs it."""

    participation_id: int
    member_id: int
    event_id: str  # the meeting's ``ap_id``
    group_actor_id: int
    state: Attendance


async def _join(session: AsyncSession, row: MeetingParticipation) -> JoinOfOurs | None:
    found = (
        await session.execute(
            select(Meeting.ap_id, Group.actor_id)
            .join(Group, Group.id == Meeting.group_id)
            .where(Meeting.id == row.meeting_id)
        )
    ).first()
    if found is None or found[0] is None:
        return None
    return JoinOfOurs(row.id, row.actor_id, found[0], found[1], row.state)


async def join_to_send(session: AsyncSession, participation_id: int) -> JoinOfOurs | None:
    """The request to send, while it is still pending (None once taken back)."""
    row = await session.get(MeetingParticipation, participation_id)
    if row is None or row.state is not Attendance.PENDING:
        return None
    return await _join(session, row)


async def remember_join(session: AsyncSession, participation_id: int, join_id: str) -> None:
    """The id the request went out with, which the answer names."""
    row = await session.get(MeetingParticipation, participation_id)
    if row is not None:
        row.activity_id = join_id


async def join_named(session: AsyncSession, join_id: str) -> JoinOfOurs | None:
    """Our member's request that ``join_id`` names, if it names one."""
    row = await session.scalar(
        select(MeetingParticipation).where(MeetingParticipation.activity_id == join_id)
    )
    return None if row is None else await _join(session, row)


async def leave_to_send(session: AsyncSession, meeting_id: int) -> tuple[str, int] | None:
    """The meeting's ``ap_id`` and its group's actor, to say our member will not come."""
    found = (
        await session.execute(
            select(Meeting.ap_id, Group.actor_id)
            .join(Group, Group.id == Meeting.group_id)
            .where(Meeting.id == meeting_id)
        )
    ).first()
    return None if found is None or found[0] is None else (found[0], found[1])


async def join_answered(
    session: AsyncSession, join: JoinOfOurs, *, accepted: bool, now: datetime
) -> bool:
    """The group's node accepted our member (going) or turned them down (declined); they
    are told either way. False when it changes nothing (said twice, or taken back)."""
    row = await session.get(MeetingParticipation, join.participation_id)
    if row is None or row.state not in ASKED:
        return False
    state = Attendance.GOING if accepted else Attendance.DECLINED
    if row.state is state:
        return False
    row.state, row.since = state, now
    group_id = await session.scalar(select(Meeting.group_id).where(Meeting.id == row.meeting_id))
    kind = NotificationKind.MEETING_ACCEPTED if accepted else NotificationKind.MEETING_DECLINED
    await notify(session, row.actor_id, kind, now=now, group_id=group_id, named=False)
    return True
