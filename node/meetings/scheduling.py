"""Scheduling a meeting, editing it, cancelling it or one of its occurrences, moving an
occurrence, and appointing its facilitators.

Every edit counts up ``sequence`` and sets ``updated_at``, so calendar apps take the
change (iCalendar SEQUENCE and LAST-MODIFIED). Cancelling the series or an occurrence,
or moving an occurrence, tells everyone going. Each change is a domain event, so the
meeting's Event travels through its group to other nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import topics
from node.actors import find_actor, split_acct
from node.content import render_markdown
from node.errors import Conflict, InvalidInput, NotFound
from node.events import EventKind
from node.groups.loading import load_group
from node.ids import new_public_id
from node.kinds import (
    ActorKind,
    Attendance,
    MeetingJoinMode,
    MembershipState,
    NotificationKind,
    Recurrence,
)
from node.meetings.access import (
    MeetingRecord,
    load_meeting,
    record_for,
    require_can_schedule,
    require_manager,
)
from node.meetings.attending import promote_waiting
from node.meetings.guest_answers import record_meeting_change
from node.meetings.reading import meeting_view, rule_of
from node.meetings.recurrence import MAX_MOVE, occurrence_on, series_bounds
from node.meetings.views import MeetingView
from node.notifications.quiet import check_time_zone
from node.notifications.recording import notify
from node.site import Site
from node.storage.models.groups import Membership
from node.storage.models.meetings import (
    Meeting,
    MeetingException,
    MeetingFacilitator,
    MeetingParticipation,
)
from node.topics import Topic
from node.views import Viewer

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
MAX_DURATION = 24 * 60


@dataclass(frozen=True)
class MeetingInput:
    """What a facilitator or moderator says about a meeting."""

    title: str
    starts_local: datetime  # wall time in ``time_zone`` (an offset, if given, is ignored)
    time_zone: str
    duration_minutes: int
    description: str = ""
    recurrence: Recurrence = Recurrence.NONE
    interval: int = 1
    until_date: date | None = None
    count: int | None = None
    place: str = ""
    online_url: str = ""
    details_for_attendees: bool = True
    capacity: int | None = None
    join_mode: MeetingJoinMode = MeetingJoinMode.OPEN
    anonymous_attendance: bool = False
    content_warning: str = ""
    topics: tuple[Topic, ...] = field(default_factory=tuple)


def input_of(view: MeetingView) -> MeetingInput:
    """The meeting as its manager sees it, to change a part of it (an API PATCH)."""
    return MeetingInput(
        title=view.title,
        starts_local=view.starts_local,
        time_zone=view.time_zone,
        duration_minutes=view.duration_minutes,
        description=view.description,
        recurrence=view.recurrence,
        interval=view.interval,
        until_date=view.until_date,
        count=view.count,
        place=view.place or "",
        online_url=view.online_url or "",
        details_for_attendees=view.details_for_attendees,
        capacity=view.capacity,
        join_mode=view.join_mode,
        anonymous_attendance=view.anonymous_attendance,
        content_warning=view.content_warning,
        topics=view.topics,
    )


def _checked(given: MeetingInput) -> MeetingInput:
    title = given.title.strip()
    if not title or len(title) > TITLE_MAX:
        raise InvalidInput(
            f"give the meeting a title of 1 to {TITLE_MAX} characters", field="title"
        )
    if len(given.description) > DESCRIPTION_MAX:
        raise InvalidInput("the description is too long", field="description")
    if not 1 <= given.duration_minutes <= MAX_DURATION:
        raise InvalidInput(
            "a meeting lasts between 1 minute and 24 hours", field="duration_minutes"
        )
    if not 1 <= given.interval <= 12:
        raise InvalidInput("repeat every 1 to 12 weeks or months", field="interval")
    if given.count is not None and not 1 <= given.count <= 500:
        raise InvalidInput("a series has between 1 and 500 meetings", field="count")
    if given.until_date is not None and given.until_date < given.starts_local.date():
        raise InvalidInput("the series cannot end before it starts", field="until_date")
    if given.capacity is not None and not 1 <= given.capacity <= 10_000:
        raise InvalidInput("the capacity is between 1 and 10000 places", field="capacity")
    url = given.online_url.strip()
    if url and (urlsplit(url).scheme not in {"https", "http"} or not urlsplit(url).netloc):
        raise InvalidInput("the online link must be an http(s) address", field="online_url")
    if len(url) > 2048 or len(given.place) > 500 or len(given.content_warning) > 500:
        raise InvalidInput("the place, link or content warning is too long", field="place")
    return MeetingInput(
        **{
            **given.__dict__,
            "title": title,
            "time_zone": check_time_zone(given.time_zone),
            "starts_local": given.starts_local.replace(tzinfo=None, second=0, microsecond=0),
            "online_url": url,
            "place": given.place.strip(),
            "content_warning": given.content_warning.strip(),
        }
    )


def _apply(meeting: Meeting, given: MeetingInput, now: datetime) -> None:
    meeting.title, meeting.description = given.title, given.description
    meeting.description_html = render_markdown(given.description)
    meeting.content_warning, meeting.topics = given.content_warning, topics.stored(given.topics)
    meeting.time_zone, meeting.starts_local = given.time_zone, given.starts_local
    meeting.duration_minutes, meeting.recurrence = given.duration_minutes, given.recurrence
    meeting.interval, meeting.until_date, meeting.count = (
        given.interval,
        given.until_date,
        given.count,
    )
    meeting.place, meeting.online_url = given.place, given.online_url
    meeting.details_for_attendees, meeting.capacity = given.details_for_attendees, given.capacity
    meeting.join_mode, meeting.anonymous_attendance = given.join_mode, given.anonymous_attendance
    meeting.first_start_at, meeting.last_end_at = series_bounds(rule_of(meeting))
    meeting.updated_at = now


async def schedule_meeting(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    acct: str,
    given: MeetingInput,
    *,
    now: datetime,
) -> MeetingView:
    """A group's moderator schedules a meeting of the group hosted here."""
    group = await load_group(session, site, viewer, acct)
    if not group.actor.local:
        raise NotFound(f"no group called {acct!r} here")
    require_can_schedule(group)
    meeting = Meeting(
        public_id=new_public_id(now),
        group_id=group.group.id,
        created_by_id=viewer.actor_id,
        sequence=0,
        created_at=now,
    )
    _apply(meeting, _checked(given), now)
    session.add(meeting)
    await session.flush()
    await record_meeting_change(session, meeting, EventKind.MEETING_SCHEDULED, now=now)
    return await meeting_view(session, await record_for(session, meeting, group, viewer))


async def edit_meeting(
    session: AsyncSession, viewer: Viewer, public_id: str, given: MeetingInput, *, now: datetime
) -> MeetingView:
    """Change a meeting (all of it: callers start from ``input_of``)."""
    record = await _managed(session, viewer, public_id)
    _apply(record.meeting, _checked(given), now)
    record.meeting.sequence += 1
    await session.flush()
    await record_meeting_change(session, record.meeting, EventKind.MEETING_CHANGED, now=now)
    # A larger capacity makes room for those waiting.
    await promote_waiting(session, record.meeting, now=now)
    return await meeting_view(
        session, await record_for(session, record.meeting, record.group, viewer)
    )


async def _managed(session: AsyncSession, viewer: Viewer, public_id: str) -> MeetingRecord:
    record = await load_meeting(session, viewer, public_id, for_update=True)
    require_manager(record)
    if record.meeting.cancelled_at is not None:
        raise Conflict("this meeting was cancelled")
    return record


async def _tell_those_going(
    session: AsyncSession,
    meeting: Meeting,
    kind: NotificationKind = NotificationKind.MEETING_CANCELLED,
    *,
    now: datetime,
) -> None:
    going = await session.scalars(
        select(MeetingParticipation.actor_id).where(
            MeetingParticipation.meeting_id == meeting.id,
            MeetingParticipation.state == Attendance.GOING,
        )
    )
    for actor_id in going:
        await notify(
            session,
            actor_id,
            kind,
            now=now,
            group_id=meeting.group_id,
            meeting_id=meeting.id,
            named=False,
        )


async def cancel_meeting(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> None:
    """Cancel the whole series; everyone going is told."""
    record = await _managed(session, viewer, public_id)
    record.meeting.cancelled_at = now
    record.meeting.updated_at = now
    record.meeting.sequence += 1
    await _tell_those_going(session, record.meeting, now=now)
    await record_meeting_change(session, record.meeting, EventKind.MEETING_CANCELLED, now=now)


async def _exception(session: AsyncSession, record: MeetingRecord, day: date) -> MeetingException:
    if occurrence_on(rule_of(record.meeting), day) is None:
        raise NotFound("this meeting has no occurrence on that date")
    row = await session.get(MeetingException, (record.meeting.id, day))
    if row is None:
        row = MeetingException(meeting_id=record.meeting.id, occurrence_date=day, cancelled=False)
        session.add(row)
    return row


async def cancel_occurrence(
    session: AsyncSession, viewer: Viewer, public_id: str, day: date, *, now: datetime
) -> MeetingView:
    """Cancel the occurrence the rule puts on local ``day``; everyone going is told."""
    record = await _managed(session, viewer, public_id)
    row = await _exception(session, record, day)
    if row.cancelled:
        raise Conflict("this occurrence is cancelled already")
    row.cancelled = True
    record.meeting.sequence += 1
    record.meeting.updated_at = now
    await session.flush()
    await record_meeting_change(session, record.meeting, EventKind.MEETING_CHANGED, now=now)
    await _tell_those_going(session, record.meeting, now=now)
    return await meeting_view(session, record)


async def move_occurrence(
    session: AsyncSession,
    viewer: Viewer,
    public_id: str,
    day: date,
    to_local: datetime,
    *,
    now: datetime,
) -> MeetingView:
    """Move the occurrence of local ``day`` to another local start (same length, same
    zone); everyone going is told."""
    record = await _managed(session, viewer, public_id)
    natural = occurrence_on(rule_of(record.meeting), day)
    to_local = to_local.replace(tzinfo=None, second=0, microsecond=0)
    if natural is not None and abs(to_local - natural) > MAX_MOVE:
        raise InvalidInput("an occurrence moves by at most 60 days", field="starts_local")
    row = await _exception(session, record, day)
    if row.cancelled:
        raise Conflict("this occurrence is cancelled")
    row.moved_to_local = to_local
    record.meeting.sequence += 1
    record.meeting.updated_at = now
    await session.flush()
    await _tell_those_going(session, record.meeting, NotificationKind.MEETING_MOVED, now=now)
    await record_meeting_change(session, record.meeting, EventKind.MEETING_CHANGED, now=now)
    return await meeting_view(session, record)


async def set_facilitator(
    session: AsyncSession, site: Site, viewer: Viewer, public_id: str, handle: str, *, appoint: bool
) -> None:
    """The group's moderators appoint a member as a facilitator of the meeting, or not."""
    record = await load_meeting(session, viewer, public_id)
    require_can_schedule(record.group)
    require_manager(record)  # never for a meeting elsewhere: its group's node runs it
    name, domain = split_acct(handle, site.domain)
    member = await find_actor(session, name, domain, ActorKind.PERSON)
    key = (record.meeting.id, member.id)
    existing = await session.get(MeetingFacilitator, key)
    if not appoint:
        if existing is None:
            raise NotFound(f"{handle!r} is not a facilitator of this meeting")
        await session.delete(existing)
        return
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == record.meeting.group_id, Membership.member_id == member.id
        )
    )
    if membership is None or membership.state is not MembershipState.APPROVED:
        raise InvalidInput("only members of the group can facilitate its meetings", field="handle")
    if existing is None:
        session.add(MeetingFacilitator(meeting_id=record.meeting.id, actor_id=member.id))
    await session.flush()
