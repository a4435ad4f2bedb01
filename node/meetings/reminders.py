"""Reminders: a day and an hour before each occurrence, to those going.

``due_reminders`` runs now and then from the node's workers. Each reminder is recorded
in ``meeting_reminders`` as it is told, so it is told once per (occurrence, member,
kind) however often the pass runs. A reminder is an ordinary notification, so quiet
hours hold it as they hold any other: it waits until the window ends, and nothing is
lost. Someone who says they are going within the last day gets the reminders still due.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.kinds import Attendance, NotificationKind
from node.meetings.reading import changes_of, rule_of
from node.meetings.recurrence import MAX_MOVE, occurrences
from node.notifications.recording import notify
from node.storage.models.meetings import Meeting, MeetingParticipation, SentReminder

# Each reminder: its name and how long before the start it is due.
REMINDERS = (("day", timedelta(days=1)), ("hour", timedelta(hours=1)))
_AHEAD = max(ahead for _, ahead in REMINDERS)


def _due_kind(starts_at: datetime, now: datetime) -> str | None:
    """The reminder due now for an occurrence starting at ``starts_at``: the one whose
    time came last (an hour before wins over a day before)."""
    due = [(ahead, name) for name, ahead in REMINDERS if starts_at - ahead <= now < starts_at]
    return min(due)[1] if due else None


async def due_reminders(session: AsyncSession, now: datetime) -> int:
    """Tell those going about occurrences starting within the day; how many were told."""
    meetings = await session.scalars(
        select(Meeting)
        .where(
            Meeting.cancelled_at.is_(None),
            # A first occurrence may have moved up to MAX_MOVE earlier.
            Meeting.first_start_at <= now + _AHEAD + MAX_MOVE,
            or_(Meeting.last_end_at.is_(None), Meeting.last_end_at > now),
        )
        .order_by(Meeting.id)
    )
    told = 0
    for meeting in list(meetings):
        coming = occurrences(
            rule_of(meeting), await changes_of(session, meeting.id), after=now, before=now + _AHEAD
        )
        going = list(
            await session.scalars(
                select(MeetingParticipation.actor_id).where(
                    MeetingParticipation.meeting_id == meeting.id,
                    MeetingParticipation.state == Attendance.GOING,
                )
            )
        )
        for occurrence in coming:
            kind = _due_kind(occurrence.starts_at, now)
            if kind is None:
                continue
            for actor_id in going:
                key = (meeting.id, actor_id, occurrence.starts_at, kind)
                if await session.get(SentReminder, key) is not None:
                    continue
                session.add(
                    SentReminder(
                        meeting_id=meeting.id,
                        actor_id=actor_id,
                        occurrence_start=occurrence.starts_at,
                        kind=kind,
                    )
                )
                told += await notify(
                    session,
                    actor_id,
                    NotificationKind.MEETING_REMINDER,
                    now=now,
                    group_id=meeting.group_id,
                    meeting_id=meeting.id,
                    named=False,
                )
    await session.flush()
    return told
