"""Reading meetings: one meeting, a group's coming occurrences (a page at a time), and
the meetings a member said they are coming to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions, topics
from node.actors import actor_ref
from node.errors import InvalidInput, NotFound
from node.groups.loading import load_group
from node.kinds import Attendance
from node.meetings.access import MeetingRecord, load_meeting, record_for
from node.meetings.recurrence import Change, Occurrence, Rule, occurrences
from node.meetings.views import ExceptionView, MeetingView, OccurrenceView
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.meetings import (
    Meeting,
    MeetingException,
    MeetingFacilitator,
    MeetingParticipation,
)
from node.views import ActorRef, Viewer

# How far ahead a group's list of coming occurrences looks.
HORIZON = timedelta(days=366)
# What "my meetings" lists: the RSVPs that say a member means to come, or hopes to.
COMING = (Attendance.GOING, Attendance.WAITING, Attendance.PENDING, Attendance.MAYBE)


def rule_of(meeting: Meeting) -> Rule:
    return Rule(
        starts_local=meeting.starts_local,
        time_zone=meeting.time_zone,
        duration=timedelta(minutes=meeting.duration_minutes),
        recurrence=meeting.recurrence,
        interval=meeting.interval,
        until_date=meeting.until_date,
        count=meeting.count,
    )


async def changes_of(session: AsyncSession, meeting_id: int) -> dict[date, Change]:
    rows = await session.scalars(
        select(MeetingException).where(MeetingException.meeting_id == meeting_id)
    )
    return {
        row.occurrence_date: Change(cancelled=row.cancelled, moved_to_local=row.moved_to_local)
        for row in rows
    }


async def going_count(session: AsyncSession, meeting_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(MeetingParticipation)
        .where(
            MeetingParticipation.meeting_id == meeting_id,
            MeetingParticipation.state == Attendance.GOING,
        )
    )
    return count or 0


async def meeting_view(session: AsyncSession, record: MeetingRecord) -> MeetingView:
    """The meeting as the record's viewer may see it."""
    meeting, shown = record.meeting, record.sees_details
    changes = await changes_of(session, meeting.id)
    return MeetingView(
        public_id=meeting.public_id,
        group=actor_ref(record.group.actor),
        title=meeting.title,
        description=meeting.description,
        description_html=meeting.description_html,
        content_warning=meeting.content_warning,
        topics=topics.from_stored(meeting.topics),
        time_zone=meeting.time_zone,
        starts_local=meeting.starts_local,
        duration_minutes=meeting.duration_minutes,
        recurrence=meeting.recurrence,
        interval=meeting.interval,
        until_date=meeting.until_date,
        count=meeting.count,
        starts_at=meeting.first_start_at,
        is_online=bool(meeting.online_url),
        details_for_attendees=meeting.details_for_attendees,
        place=(meeting.place or None) if shown else None,
        online_url=(meeting.online_url or None) if shown else None,
        capacity=meeting.capacity,
        join_mode=meeting.join_mode,
        anonymous_attendance=meeting.anonymous_attendance,
        going_count=await going_count(session, meeting.id),
        exceptions=tuple(
            ExceptionView(day, change.cancelled, change.moved_to_local)
            for day, change in sorted(changes.items())
        ),
        sequence=meeting.sequence,
        created_at=meeting.created_at,
        updated_at=meeting.updated_at,
        cancelled=meeting.cancelled_at is not None,
        attendance=None if record.participation is None else record.participation.state,
        can_manage=record.can_manage,
    )


async def facilitators_of(session: AsyncSession, record: MeetingRecord) -> tuple[ActorRef, ...]:
    """The meeting's facilitators, for those who run it (nobody else is told who)."""
    if not record.can_manage:
        return ()
    rows = await session.scalars(
        select(Actor)
        .join(MeetingFacilitator, MeetingFacilitator.actor_id == Actor.id)
        .where(MeetingFacilitator.meeting_id == record.meeting.id)
        .order_by(Actor.handle_key, Actor.domain)
    )
    return tuple(actor_ref(actor) for actor in rows)


async def get_meeting(session: AsyncSession, viewer: Viewer | None, public_id: str) -> MeetingView:
    """The meeting ``public_id`` as ``viewer`` may see it."""
    return await meeting_view(session, await load_meeting(session, viewer, public_id))


def occurrence_view(view: MeetingView, occurrence: Occurrence) -> OccurrenceView:
    local = occurrence.starts_at.astimezone(ZoneInfo(view.time_zone)).replace(tzinfo=None)
    return OccurrenceView(
        meeting=view,
        original_date=occurrence.original_date,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        starts_local=local,
        moved=occurrence.moved,
        cancelled=occurrence.cancelled,
    )


def next_occurrences(view: MeetingView, *, now: datetime, limit: int) -> list[OccurrenceView]:
    """The meeting's next ``limit`` occurrences, cancelled ones among them (marked), for
    its page: worked out from the view alone."""
    rule = Rule(
        starts_local=view.starts_local,
        time_zone=view.time_zone,
        duration=timedelta(minutes=view.duration_minutes),
        recurrence=view.recurrence,
        interval=view.interval,
        until_date=view.until_date,
        count=view.count,
    )
    changes = {
        change.occurrence_date: Change(change.cancelled, change.moved_to_local)
        for change in view.exceptions
    }
    found = occurrences(rule, changes, after=now, limit=limit, include_cancelled=True)
    return [occurrence_view(view, occurrence) for occurrence in found]


async def upcoming_in_group(
    session: AsyncSession,
    site: Site,
    viewer: Viewer | None,
    acct: str,
    cursor: str | None = None,
    *,
    now: datetime,
    limit: int | None = None,
) -> Page[OccurrenceView]:
    """The group's coming occurrences (within a year), soonest first, a page at a time."""
    size = check_limit(limit)
    after: tuple[datetime, str, str] | None = None
    if cursor is not None:
        moment, public_id, day = decode_cursor(cursor, datetime, str, str)
        if not isinstance(moment, datetime):
            raise InvalidInput("this cursor is not one we issued", field="cursor")
        after = (moment, str(public_id), str(day))
    group = await load_group(session, site, viewer, acct)
    if not permissions.can_read_content(group.group.visibility, group.membership):
        raise NotFound(f"no group called {acct!r} here")
    meetings = await session.scalars(
        select(Meeting)
        .where(
            Meeting.group_id == group.group.id,
            Meeting.cancelled_at.is_(None),
            or_(Meeting.last_end_at.is_(None), Meeting.last_end_at > now),
            Meeting.first_start_at < now + HORIZON,
        )
        .order_by(Meeting.id)
    )
    found: list[tuple[tuple[datetime, str, str], OccurrenceView]] = []
    for meeting in meetings:
        view = await meeting_view(session, await record_for(session, meeting, group, viewer))
        changes = await changes_of(session, meeting.id)
        start = now if after is None else max(now, after[0] - timedelta(days=1))
        for occurrence in occurrences(
            rule_of(meeting), changes, after=start, before=now + HORIZON, limit=size + 1
        ):
            key = (occurrence.starts_at, meeting.public_id, occurrence.original_date.isoformat())
            if after is None or key > after:
                found.append((key, occurrence_view(view, occurrence)))
    found.sort(key=lambda pair: pair[0])
    page = found[:size]
    next_cursor = encode_cursor(*page[-1][0]) if len(found) > size else None
    return Page([view for _, view in page], next_cursor)


async def my_meetings(
    session: AsyncSession,
    viewer: Viewer,
    cursor: str | None = None,
    *,
    now: datetime,
    limit: int | None = None,
) -> Page[MeetingView]:
    """The meetings the member is going to, waiting for, asked for or might come to,
    that are not over or cancelled; the most recently scheduled first."""
    size = check_limit(limit)
    query = (
        select(Meeting)
        .join(MeetingParticipation, MeetingParticipation.meeting_id == Meeting.id)
        .where(
            MeetingParticipation.actor_id == viewer.actor_id,
            MeetingParticipation.state.in_(COMING),
            Meeting.cancelled_at.is_(None),
            or_(Meeting.last_end_at.is_(None), Meeting.last_end_at > now),
        )
        .order_by(Meeting.id.desc())
        .limit(size + 1)
    )
    if cursor is not None:
        (before_id,) = decode_cursor(cursor, int)
        query = query.where(Meeting.id < before_id)
    rows = list(await session.scalars(query))
    views: list[MeetingView] = []
    for meeting in rows[:size]:
        try:
            record = await load_meeting(session, viewer, meeting.public_id)
        except NotFound:
            continue  # no longer a member of a private group
        views.append(await meeting_view(session, record))
    next_cursor = encode_cursor(rows[size - 1].id) if len(rows) > size else None
    return Page(views, next_cursor)
