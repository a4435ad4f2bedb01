"""Meetings of groups elsewhere: their Events' ``Create``, ``Update`` and ``Delete``, the
answers to our members' ``Join``s, and the details a group sends its accepted attendees.

Who speaks for a meeting: the group it is attributed to (``attributedTo``), directly
or through its ``Announce`` (FEP-1b12; what it announces must be its own meeting), or
a member of the group's node acting for it (Mobilizon sends its group's Event in the
``Create`` of the member who made it, the Event on the group's server). A meeting for
the group's members only (not public) comes from the group itself, or through it.
Meetings are kept only for groups someone here belongs to or follows
(``node.meetings.elsewhere``).

An Event sent only to some of our members, not public (what a Kinfolk group sends the
attendees it accepted, with the place and link it keeps for them), is never stored as
the meeting everyone sees: it fills in the details for those members alone.

``Accept``/``Reject`` of our member's Join name it by id or embed it; they must come
from the group's node (Mobilizon answers as the moderator who decided).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.prepared import Ignored
from federation.protocol.event_readings import EventReading
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed, same_origin
from node.federated.actors import KnownGroup, actor_named, group_of
from node.kinds import Recurrence
from node.meetings import elsewhere, joining_elsewhere
from node.meetings.elsewhere import MeetingElsewhere

log = logging.getLogger("kinfolk.processing")


async def on_event(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A ``Create`` or ``Update`` of an Event."""
    event = activity.object
    assert isinstance(event, EventReading)  # routed here by its object
    group = await _group_speaking(session, activity, event, via)
    if not event.public and via is None:
        members = await _our_members_addressed(session, activity, event)
        if members:
            await _details_for(fed, session, group, event, members)
            return
        if activity.actor != group.actor.uri:
            raise Ignored("a meeting for a group's members comes only from the group")
    if not await elsewhere.someone_here_follows(session, group):
        raise Ignored("nobody here belongs to or follows this group")
    created = await elsewhere.keep_meeting_elsewhere(
        session, group, meeting_of(event), now=fed.clock()
    )
    log.info("%s meeting %s of %s", "new" if created else "updated", event.uri, group.actor.uri)


def meeting_of(event: EventReading) -> MeetingElsewhere:
    """What the node keeps of an Event: the series when a Kinfolk node sent one, else the
    one occurrence."""
    series = event.series
    return MeetingElsewhere(
        ap_id=event.uri,
        title=event.title,
        time_zone=event.time_zone,
        starts_local=event.starts_local if series is None else series.starts_local,
        duration=max(event.ends_at - event.starts_at, timedelta(minutes=1)),
        remote_url=event.url or event.uri,
        description_html=event.content_html,
        content_warning=event.content_warning,
        topics=event.topics,
        recurrence=Recurrence.NONE if series is None else series.recurrence,
        interval=1 if series is None else series.interval,
        until_date=None if series is None else series.until_date,
        count=None if series is None else series.count,
        changes=() if series is None else series.exceptions,
        place=event.place,
        online_url=event.online_url or "",
        capacity=event.capacity,
        join_mode=event.join_mode,
        anonymous_attendance=event.anonymous_participation,
        cancelled=event.cancelled,
    )


async def _group_speaking(
    session: AsyncSession, activity: ActivityReading, event: EventReading, via: str | None
) -> KnownGroup:
    """The group the Event is attributed to, when the activity may speak for it."""
    if via is not None and event.organizer_uri != via:
        raise Malformed("a group can only announce its own meetings")
    known = await actor_named(session, event.organizer_uri)
    group = None if known is None or not known.is_group else await group_of(session, known)
    if group is None or group.actor.local:
        raise Ignored("the Event is not a meeting of a group elsewhere we know")
    if not same_origin(event.uri, group.actor.uri):
        raise Malformed("the Event is not on its group's server")
    if activity.actor != group.actor.uri and not same_origin(activity.actor, group.actor.uri):
        raise Malformed("only the group's own server speaks for its meetings")
    return group


async def _our_members_addressed(
    session: AsyncSession, activity: ActivityReading, event: EventReading
) -> list[int]:
    found: list[int] = []
    for uri in {*activity.to, *activity.cc, *event.to, *event.cc}:
        actor = await actor_named(session, uri)
        if actor is not None and actor.local and actor.is_person:
            found.append(actor.id)
    return found


async def _details_for(
    fed: Federation,
    session: AsyncSession,
    group: KnownGroup,
    event: EventReading,
    members: list[int],
) -> None:
    kept = [
        member
        for member in members
        if await elsewhere.details_for_attendee(
            session,
            group,
            event.uri,
            member,
            place=event.place,
            online_url=event.online_url or "",
            now=fed.clock(),
        )
    ]
    if not kept:
        raise Ignored("it carries details for none of our members coming")


async def on_delete(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> bool:
    """A ``Delete`` of a meeting elsewhere we hold: it is cancelled. False when the
    Delete names no meeting from elsewhere (so it is about something else)."""
    group = await elsewhere.group_of_meeting(session, activity.object_id)
    if group is None:
        return False
    if (via is not None and via != group.actor.uri) or not same_origin(
        activity.actor, group.actor.uri
    ):
        raise Malformed("only the group's own server cancels its meetings")
    if not await elsewhere.cancel_meeting_elsewhere(
        session, group, activity.object_id, now=fed.clock()
    ):
        raise Ignored("the meeting was cancelled already")
    return True


async def answered_join(session: AsyncSession, activity: ActivityReading) -> bool:
    """Whether an ``Accept`` or ``Reject`` names one of our members' Joins."""
    return await joining_elsewhere.join_named(session, activity.object_id) is not None


async def on_answer(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """The group's node accepted our member, or turned them down."""
    join = await joining_elsewhere.join_named(session, activity.object_id)
    if join is None:
        raise Ignored("it answers no request of ours to come")
    if not same_origin(activity.actor, join.event_id):
        raise Malformed("only the meeting's own server answers a request to come")
    accepted = activity.type == "Accept"
    if not await joining_elsewhere.join_answered(session, join, accepted=accepted, now=fed.clock()):
        raise Ignored("it changes nothing (said already, or the request was taken back)")
