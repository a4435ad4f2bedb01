"""Meetings of groups elsewhere: kept as their group's node says, never run here.

A group on another node (Kinfolk, Mobilizon, Gancio) tells us of its meetings; each is
a ``meetings`` row of that group, named by the id its node gave it (``ap_id``), so the
group's "Coming up", a meeting's page and "my meetings" show it as they show ours.
Only that group speaks for it: a meeting is created, changed or cancelled by the group
it belongs to, and kept only while someone here belongs to or follows the group (as
its posts are). Nobody here runs it (``MeetingRecord.can_manage``); our members only
say whether they come (``node.meetings.joining_elsewhere``).

The place and link: what the group shows everyone is kept as it comes. What its node
sends only to our member once they are accepted (the details for attendees) is kept
for those going, as our own meetings keep theirs (``details_for_attendees``); a later
public change that does not carry them leaves them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import topics
from node.content import sanitize_html
from node.errors import PermissionDenied
from node.federated.actors import KnownGroup, group_by_id
from node.ids import new_public_id
from node.kinds import (
    Attendance,
    FollowState,
    MeetingJoinMode,
    MembershipState,
    NotificationKind,
    Recurrence,
)
from node.meetings.reading import rule_of
from node.meetings.recurrence import series_bounds
from node.meetings.views import ExceptionView
from node.notifications.quiet import check_time_zone
from node.notifications.recording import notify
from node.storage.models.actors import Actor, Follow
from node.storage.models.groups import Membership
from node.storage.models.meetings import Meeting, MeetingException, MeetingParticipation
from node.topics import Topic

# Longer than one of ours may be (a weekend retreat, a festival), never unbounded.
MAX_DURATION = timedelta(days=31)


@dataclass(frozen=True)
class MeetingElsewhere:
    """A meeting as its group's node describes it (its HTML sanitised here again)."""

    ap_id: str
    title: str
    time_zone: str
    starts_local: datetime  # the first occurrence, a naive wall time in ``time_zone``
    duration: timedelta
    remote_url: str = ""
    description_html: str = ""
    content_warning: str = ""
    topics: tuple[Topic, ...] = ()
    recurrence: Recurrence = Recurrence.NONE
    interval: int = 1
    until_date: date | None = None
    count: int | None = None
    changes: tuple[ExceptionView, ...] = field(default_factory=tuple)
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    join_mode: MeetingJoinMode = MeetingJoinMode.OPEN
    anonymous_attendance: bool = False
    cancelled: bool = False


async def someone_here_follows(session: AsyncSession, group: KnownGroup) -> bool:
    """Whether a member here belongs to (or asked to join) the group, or follows it."""
    member = exists().where(
        Membership.group_id == group.id,
        Membership.state.in_((MembershipState.APPROVED, MembershipState.PENDING)),
        Membership.member_id == Actor.id,
        Actor.local.is_(True),
    )
    follower = exists().where(
        Follow.followee_id == group.actor.id,
        Follow.state == FollowState.ACCEPTED,
        Follow.follower_id == Actor.id,
        Actor.local.is_(True),
    )
    return bool(await session.scalar(select(member | follower)))


async def meeting_elsewhere(session: AsyncSession, ap_id: str) -> Meeting | None:
    return await session.scalar(select(Meeting).where(Meeting.ap_id == ap_id))


async def group_of_meeting(session: AsyncSession, ap_id: str) -> KnownGroup | None:
    """The group of the meeting elsewhere ``ap_id``, if we hold one by that id."""
    meeting = await meeting_elsewhere(session, ap_id)
    return None if meeting is None else await group_by_id(session, meeting.group_id)


async def keep_meeting_elsewhere(
    session: AsyncSession, group: KnownGroup, given: MeetingElsewhere, *, now: datetime
) -> bool:
    """Store or update a meeting of ``group`` (on another node); True when it is new.
    ``PermissionDenied`` when the meeting is another group's, or the group is ours."""
    if group.actor.local:
        raise PermissionDenied("a group of this node's meetings are scheduled here")
    meeting = await meeting_elsewhere(session, given.ap_id)
    if meeting is not None and meeting.group_id != group.id:
        raise PermissionDenied("a group speaks only for its own meetings")
    created = meeting is None
    if meeting is None:
        if not await someone_here_follows(session, group):
            raise PermissionDenied("nobody here belongs to or follows this group")
        meeting = Meeting(
            public_id=new_public_id(now),
            group_id=group.id,
            ap_id=given.ap_id,
            sequence=0,
            created_at=now,
            details_for_attendees=False,
        )
        session.add(meeting)
    else:
        meeting.sequence += 1
    _apply(meeting, given, now)
    await session.flush()
    await _replace_changes(session, meeting, given.changes)
    if given.cancelled and meeting.cancelled_at is None:
        await _cancel(session, meeting, now)
    return created


def _apply(meeting: Meeting, given: MeetingElsewhere, now: datetime) -> None:
    meeting.title = given.title.strip()[:200]
    meeting.description = ""
    meeting.description_html = sanitize_html(given.description_html)
    meeting.content_warning = given.content_warning[:500]
    meeting.topics = topics.stored(given.topics)
    meeting.time_zone = check_time_zone(given.time_zone)
    meeting.starts_local = given.starts_local.replace(tzinfo=None, second=0, microsecond=0)
    minutes = min(given.duration, MAX_DURATION) // timedelta(minutes=1)
    meeting.duration_minutes = max(minutes, 1)
    meeting.recurrence, meeting.interval = given.recurrence, given.interval
    meeting.until_date, meeting.count = given.until_date, given.count
    meeting.remote_url = given.remote_url[:2048]
    place, online_url = given.place[:500], given.online_url[:2048]
    if meeting.details_for_attendees:
        # What only attendees were sent stays, whichever of the two arrives first; what
        # the group now shows everyone is added (and still shown to attendees alone).
        place, online_url = place or meeting.place, online_url or meeting.online_url
    meeting.place, meeting.online_url = place, online_url
    meeting.capacity, meeting.join_mode = given.capacity, given.join_mode
    meeting.anonymous_attendance = given.anonymous_attendance
    meeting.first_start_at, meeting.last_end_at = series_bounds(rule_of(meeting))
    meeting.updated_at = now


async def _replace_changes(
    session: AsyncSession, meeting: Meeting, changes: tuple[ExceptionView, ...]
) -> None:
    await session.execute(delete(MeetingException).where(MeetingException.meeting_id == meeting.id))
    for change in {c.occurrence_date: c for c in changes}.values():
        session.add(
            MeetingException(
                meeting_id=meeting.id,
                occurrence_date=change.occurrence_date,
                cancelled=change.cancelled,
                moved_to_local=change.moved_to_local,
            )
        )
    await session.flush()


async def cancel_meeting_elsewhere(
    session: AsyncSession, group: KnownGroup, ap_id: str, *, now: datetime
) -> bool:
    """The group cancelled (or deleted) its meeting; those going here are told. False
    when we hold no such meeting of this group (or it was cancelled already)."""
    meeting = await meeting_elsewhere(session, ap_id)
    if meeting is None or meeting.cancelled_at is not None:
        return False
    if meeting.group_id != group.id:
        raise PermissionDenied("a group speaks only for its own meetings")
    await _cancel(session, meeting, now)
    return True


async def _cancel(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    meeting.cancelled_at = meeting.updated_at = now
    meeting.sequence += 1
    going = await session.scalars(
        select(MeetingParticipation.actor_id).where(
            MeetingParticipation.meeting_id == meeting.id,
            MeetingParticipation.state == Attendance.GOING,
        )
    )
    for actor_id in list(going):
        await notify(
            session,
            actor_id,
            NotificationKind.MEETING_CANCELLED,
            now=now,
            group_id=meeting.group_id,
            named=False,
        )


async def details_for_attendee(
    session: AsyncSession,
    group: KnownGroup,
    ap_id: str,
    member_id: int,
    *,
    place: str,
    online_url: str,
    now: datetime,
) -> bool:
    """The group's node sent our member, whom it accepted, the place and link it keeps
    for attendees: kept for those going here. False when the member is not coming."""
    meeting = await meeting_elsewhere(session, ap_id)
    if meeting is None or meeting.group_id != group.id or not (place or online_url):
        return False
    state = await session.scalar(
        select(MeetingParticipation.state).where(
            MeetingParticipation.meeting_id == meeting.id,
            MeetingParticipation.actor_id == member_id,
        )
    )
    if state not in {Attendance.GOING, Attendance.PENDING}:
        return False
    meeting.place = place[:500] or meeting.place
    meeting.online_url = online_url[:2048] or meeting.online_url
    meeting.details_for_attendees = True
    meeting.updated_at = now
    return True
