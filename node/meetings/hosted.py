"""Our meetings as other nodes are given them: what federation needs to send a
meeting's Event, and when an occurrence is over, that the next one is now the one.

A ``HostedMeeting`` is the meeting as anyone who may read its group sees it (the place
and link left out when they are for attendees only), and beside it the place and link
themselves, which federation puts only in what goes to accepted attendees. Other nodes
are told of one occurrence at a time (the next), so when one ends the group says which
is next: once per occurrence, remembered as a "reminder" of the group's own actor
(``meeting_reminders``), so no new table is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import NotFound
from node.events import EventKind
from node.federated.actors import KnownGroup, known_group
from node.groups.loading import GroupRecord, readable_by_node
from node.kinds import Recurrence
from node.meetings.access import MeetingRecord
from node.meetings.guest_answers import record_meeting_change
from node.meetings.guests import hosted_meeting_row
from node.meetings.reading import changes_of, meeting_view, rule_of
from node.meetings.recurrence import Occurrence, occurrences
from node.meetings.views import MeetingView
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.meetings import Meeting, SentReminder

# How far back the rollover looks for an occurrence that ended (it runs every minute).
_ENDED_WITHIN = timedelta(days=1)
_ENDED = "ended"


@dataclass(frozen=True)
class HostedMeeting:
    view: MeetingView  # as a reader of the group sees it
    group: KnownGroup
    place: str  # the place and link themselves, for accepted attendees only
    online_url: str
    next: Occurrence | None  # the next occurrence not yet over; None when the series is


async def _hosted(session: AsyncSession, meeting: Meeting, now: datetime) -> HostedMeeting:
    group = await session.get_one(Group, meeting.group_id)
    actor = await session.get_one(Actor, group.actor_id)
    record = MeetingRecord(meeting, GroupRecord(actor, group, None), None, False, None)
    coming = occurrences(
        rule_of(meeting), await changes_of(session, meeting.id), after=now, limit=1
    )
    return HostedMeeting(
        view=await meeting_view(session, record),
        group=known_group(group, actor),
        place=meeting.place,
        online_url=meeting.online_url,
        next=coming[0] if coming else None,
    )


async def hosted_by_id(
    session: AsyncSession, meeting_id: int, now: datetime
) -> HostedMeeting | None:
    """The meeting with row id ``meeting_id``, if it is hosted here."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.ap_id is not None:
        return None
    return await _hosted(session, meeting, now)


async def hosted_for_node(
    session: AsyncSession, public_id: str, domain: str | None, now: datetime
) -> HostedMeeting:
    """A meeting hosted here as the node at ``domain`` (None: an unsigned request) may
    read it: as its group's posts, a private group's only for nodes with members."""
    meeting = await hosted_meeting_row(session, public_id)
    group = await session.get_one(Group, meeting.group_id)
    actor = await session.get_one(Actor, group.actor_id)
    if not await readable_by_node(session, group, actor, domain):
        raise NotFound("no such meeting")
    return await _hosted(session, meeting, now)


async def announce_next_occurrences(session: AsyncSession, now: datetime) -> int:
    """For each series of ours whose occurrence just ended, and that goes on, record the
    change (so other nodes are sent the next occurrence); how many."""
    meetings = await session.scalars(
        select(Meeting)
        .where(
            Meeting.ap_id.is_(None),
            Meeting.cancelled_at.is_(None),
            Meeting.recurrence != Recurrence.NONE,
            Meeting.first_start_at <= now,
            or_(Meeting.last_end_at.is_(None), Meeting.last_end_at > now - _ENDED_WITHIN),
        )
        .order_by(Meeting.id)
    )
    rolled = 0
    for meeting in list(meetings):
        rule, changes = rule_of(meeting), await changes_of(session, meeting.id)
        ended = [
            o
            for o in occurrences(rule, changes, after=now - _ENDED_WITHIN, before=now)
            if o.ends_at <= now
        ]
        if not ended or not occurrences(rule, changes, after=now, limit=1):
            continue
        group_actor = await session.scalar(
            select(Group.actor_id).where(Group.id == meeting.group_id)
        )
        assert group_actor is not None
        key = (meeting.id, group_actor, ended[-1].starts_at, _ENDED)
        if await session.get(SentReminder, key) is not None:
            continue
        session.add(
            SentReminder(
                meeting_id=meeting.id,
                actor_id=group_actor,
                occurrence_start=ended[-1].starts_at,
                kind=_ENDED,
            )
        )
        await record_meeting_change(session, meeting, EventKind.MEETING_CHANGED, now=now)
        rolled += 1
    await session.flush()
    return rolled
