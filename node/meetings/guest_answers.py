"""Telling a person elsewhere how their request to come to one of our meetings went.

A person on another node asks with a ``Join`` (``node.meetings.guests``); their node
hears back only when there is an answer: a place (right away, when a facilitator
accepts, or when they are promoted from the waiting list), or a refusal. Pending and
waiting are not answers. Each answer is a domain event, which federation turns into
the group's ``Accept`` (with the place and link for them alone) or ``Reject``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.events import EventKind, record
from node.kinds import Attendance
from node.storage.models.groups import Group
from node.storage.models.meetings import Meeting, MeetingParticipation


async def _group_actor_id(session: AsyncSession, meeting: Meeting) -> int:
    actor_id = await session.scalar(select(Group.actor_id).where(Group.id == meeting.group_id))
    assert actor_id is not None
    return actor_id


def is_guest(meeting: Meeting, row: MeetingParticipation) -> bool:
    """An RSVP that came as a Join from elsewhere, to a meeting hosted here."""
    return meeting.ap_id is None and row.activity_id is not None


async def tell_guest(
    session: AsyncSession,
    meeting: Meeting,
    actor_id: int,
    join_uri: str,
    *,
    accepted: bool,
    now: datetime,
    participation_id: int | None = None,
) -> None:
    """Record the group's answer to a guest's Join: a place, or a refusal."""
    group_actor = await _group_actor_id(session, meeting)
    if accepted:
        assert participation_id is not None
        await record(
            session,
            EventKind.MEETING_GUEST_ACCEPTED,
            actor_id=group_actor,
            subject_id=participation_id,
            now=now,
        )
        return
    await record(
        session,
        EventKind.MEETING_GUEST_REJECTED,
        actor_id=group_actor,
        subject_id=actor_id,
        now=now,
        join=join_uri,
        meeting=meeting.id,
    )


async def tell_if_guest(
    session: AsyncSession, meeting: Meeting, row: MeetingParticipation, *, now: datetime
) -> None:
    """After a facilitator's answer or a promotion: a guest going or declined is told
    (one put in line is not: waiting is no answer yet)."""
    if row.activity_id is None or not is_guest(meeting, row):
        return
    if row.state not in {Attendance.GOING, Attendance.DECLINED}:
        return
    await tell_guest(
        session,
        meeting,
        row.actor_id,
        row.activity_id,
        accepted=row.state is Attendance.GOING,
        now=now,
        participation_id=row.id,
    )


async def record_meeting_change(
    session: AsyncSession, meeting: Meeting, kind: EventKind, *, now: datetime
) -> None:
    """A meeting hosted here was scheduled, changed or cancelled: its Event travels."""
    if meeting.ap_id is not None:
        return
    actor_id = await _group_actor_id(session, meeting)
    await record(session, kind, actor_id=actor_id, subject_id=meeting.id, now=now)
