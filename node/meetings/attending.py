"""Saying one is coming: going, maybe, not going, or leaving; the waiting list; and a
facilitator's acceptance in approval mode.

An RSVP is per series (a place in a weekly circle is a place each week). Only "going"
holds a place and counts against the capacity. When the meeting is full a new "going"
waits in line, in the order asked; whenever a place opens (someone leaves, changes to
maybe, or the capacity grows) the first in line gets it and is told. In approval mode
"going" is pending until a facilitator accepts (a place, or the line when full) or
declines; the member is told either way. Facilitators and moderators themselves never
wait for approval. A meeting of a group elsewhere is answered by its group's node
(``node.meetings.joining_elsewhere``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref, find_actor, split_acct
from node.errors import Conflict, InvalidInput, NotFound
from node.kinds import ActorKind, Attendance, MeetingJoinMode, NotificationKind
from node.meetings.access import (
    MeetingRecord,
    load_meeting,
    record_for,
    require_can_attend,
    require_manager,
)
from node.meetings.guest_answers import tell_if_guest
from node.meetings.joining_elsewhere import ASKED, answer_elsewhere, left_elsewhere
from node.meetings.reading import going_count, meeting_view
from node.meetings.views import MeetingView, Participant, ParticipantsView
from node.notifications.recording import notify
from node.permissions import is_approved
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.meetings import Meeting, MeetingParticipation
from node.views import Viewer

# What a member may say of themselves; the other states are the meeting's answer.
ANSWERS = (Attendance.GOING, Attendance.MAYBE, Attendance.NOT_GOING)


async def _has_room(session: AsyncSession, meeting: Meeting) -> bool:
    return meeting.capacity is None or await going_count(session, meeting.id) < meeting.capacity


async def _tell(
    session: AsyncSession, meeting: Meeting, actor_id: int, kind: NotificationKind, now: datetime
) -> None:
    await notify(
        session,
        actor_id,
        kind,
        now=now,
        group_id=meeting.group_id,
        meeting_id=meeting.id,
        named=False,
    )


async def promote_waiting(session: AsyncSession, meeting: Meeting, *, now: datetime) -> int:
    """Give open places to those waiting, first in line first, and tell each; how many."""
    promoted = 0
    while await _has_room(session, meeting):
        first = await session.scalar(
            select(MeetingParticipation)
            .where(
                MeetingParticipation.meeting_id == meeting.id,
                MeetingParticipation.state == Attendance.WAITING,
            )
            .order_by(MeetingParticipation.since, MeetingParticipation.id)
            .limit(1)
        )
        if first is None:
            break
        first.state, first.since = Attendance.GOING, now
        await session.flush()
        await _tell(session, meeting, first.actor_id, NotificationKind.MEETING_PROMOTED, now)
        await tell_if_guest(session, meeting, first, now=now)
        promoted += 1
    return promoted


async def _open(session: AsyncSession, viewer: Viewer, public_id: str) -> MeetingRecord:
    record = await load_meeting(session, viewer, public_id, for_update=True)
    require_can_attend(record)
    if record.meeting.cancelled_at is not None:
        raise Conflict("this meeting was cancelled")
    return record


async def answer(
    session: AsyncSession, viewer: Viewer, public_id: str, state: Attendance, *, now: datetime
) -> MeetingView:
    """The member says they are going, might come, or are not going."""
    if state not in ANSWERS:
        raise InvalidInput("answer going, maybe or not_going", field="state")
    record = await _open(session, viewer, public_id)
    if record.meeting.ap_id is not None:  # its group's node decides who comes
        await answer_elsewhere(session, record, state, now=now)
        return await meeting_view(
            session, await record_for(session, record.meeting, record.group, viewer)
        )
    meeting, row = record.meeting, record.participation
    before = None if row is None else row.state
    if state is Attendance.GOING:
        if before in {Attendance.GOING, Attendance.WAITING, Attendance.PENDING}:
            return await meeting_view(session, record)
        if meeting.join_mode is MeetingJoinMode.APPROVAL and not record.can_manage:
            state = Attendance.PENDING
        elif not await _has_room(session, meeting):
            state = Attendance.WAITING
    if row is None:
        row = MeetingParticipation(meeting_id=meeting.id, actor_id=viewer.actor_id)
        session.add(row)
    if before is not state:
        row.state, row.since = state, now
    await session.flush()
    if before is Attendance.GOING:
        await promote_waiting(session, meeting, now=now)
    return await meeting_view(session, await record_for(session, meeting, record.group, viewer))


async def leave(session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime) -> None:
    """The member takes back their RSVP altogether (a place they held goes to the next)."""
    record = await load_meeting(session, viewer, public_id, for_update=True)
    if record.participation is None:
        raise NotFound("you have not answered this meeting")
    was_going = record.participation.state is Attendance.GOING
    if record.meeting.ap_id is not None and record.participation.state in ASKED:
        await left_elsewhere(session, record.meeting, record.participation.actor_id, now=now)
    await session.delete(record.participation)
    await session.flush()
    if was_going:
        await promote_waiting(session, record.meeting, now=now)


async def forget_participations(session: AsyncSession, actor_id: int, *, now: datetime) -> None:
    """A member's RSVPs go (their account is deleted); each place they held goes to the
    next in line."""
    held = list(
        await session.scalars(
            select(Meeting)
            .join(MeetingParticipation, MeetingParticipation.meeting_id == Meeting.id)
            .where(
                MeetingParticipation.actor_id == actor_id,
                MeetingParticipation.state == Attendance.GOING,
            )
        )
    )
    await session.execute(
        delete(MeetingParticipation)
        .where(MeetingParticipation.actor_id == actor_id)
        .execution_options(synchronize_session=False)
    )
    for meeting in held:
        await promote_waiting(session, meeting, now=now)


async def decide(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    public_id: str,
    handle: str,
    *,
    accept: bool,
    now: datetime,
) -> Participant:
    """A facilitator accepts (a place, or the line when full) or declines a pending
    "going"; the member is told either way."""
    record = await load_meeting(session, viewer, public_id, for_update=True)
    require_manager(record)
    name, domain = split_acct(handle, site.domain)
    member = await find_actor(session, name, domain, ActorKind.PERSON)
    row = await session.scalar(
        select(MeetingParticipation).where(
            MeetingParticipation.meeting_id == record.meeting.id,
            MeetingParticipation.actor_id == member.id,
        )
    )
    if row is None or row.state is not Attendance.PENDING:
        raise Conflict(f"{handle!r} is not waiting for an answer")
    if accept:
        room = await _has_room(session, record.meeting)
        row.state = Attendance.GOING if room else Attendance.WAITING
        kind = NotificationKind.MEETING_ACCEPTED
    else:
        row.state, kind = Attendance.DECLINED, NotificationKind.MEETING_DECLINED
    row.since = now
    await session.flush()
    await _tell(session, record.meeting, member.id, kind, now)
    await tell_if_guest(session, record.meeting, row, now=now)
    return Participant(actor_ref(member), row.state, row.since)


async def participants(
    session: AsyncSession, viewer: Viewer | None, public_id: str
) -> ParticipantsView:
    """Who is coming. Facilitators and moderators see names (with who waits for an
    answer); members see the names of those going unless attendance is anonymous; anyone
    else sees counts only."""
    record = await load_meeting(session, viewer, public_id)
    rows = (
        await session.execute(
            select(MeetingParticipation, Actor)
            .join(Actor, Actor.id == MeetingParticipation.actor_id)
            .where(MeetingParticipation.meeting_id == record.meeting.id)
            .order_by(MeetingParticipation.since, MeetingParticipation.id)
        )
    ).all()
    counts = {state: 0 for state in Attendance}
    for row, _ in rows:
        counts[row.state] += 1
    names_shown = record.can_manage or (
        is_approved(record.group.membership) and not record.meeting.anonymous_attendance
    )
    if record.can_manage:
        shown = [Participant(actor_ref(actor), row.state, row.since) for row, actor in rows]
    elif names_shown:
        shown = [
            Participant(actor_ref(actor), row.state, row.since)
            for row, actor in rows
            if row.state is Attendance.GOING
        ]
    else:
        shown = []
    return ParticipantsView(
        going=counts[Attendance.GOING],
        maybe=counts[Attendance.MAYBE],
        waiting=counts[Attendance.WAITING],
        pending=counts[Attendance.PENDING] if record.can_manage else 0,
        names_shown=names_shown,
        participants=tuple(shown),
    )
