"""Our meetings as Events: sent through their group, and the answers to people elsewhere
who asked to come.

A meeting scheduled, changed or cancelled goes as the group's own ``Create``,
``Update`` or ``Delete`` of its Event, which the group ``Announce``s to its members'
nodes as it does posts (FEP-1b12), addressed as its posts are. Guests (people elsewhere
with an RSVP, ``node.meetings.guests``) hear of every change too, even when their node
is not reached by the group: those going get their own copy with the place and link
(``protocol.events.with_details``) addressed to them alone at their own inbox, the
others the group's activity as it is. A guest's place is the group's ``Accept`` of their
``Join`` followed by that private copy; a refusal its ``Reject``. Nothing here puts the
place or link kept for attendees in anything addressed to more than one attendee.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import inbox_of, member_inboxes, node_inbox_of
from federation.outbox.sending import new_activity_id, send
from federation.protocol import activities
from federation.protocol.events import (
    EVENT_CONTEXT,
    event_of,
    event_uri,
    join_answer,
    private_update,
    with_details,
)
from node.events import EventKind, PendingEvent
from node.federated.actors import actor_by_id
from node.kinds import Attendance
from node.meetings.guests import guest_at, guests_of
from node.meetings.hosted import HostedMeeting, hosted_by_id
from node.site import Site

_KINDS = {
    EventKind.MEETING_SCHEDULED: "Create",
    EventKind.MEETING_CHANGED: "Update",
    EventKind.MEETING_CANCELLED: "Delete",
}


async def _send(
    session: AsyncSession,
    meeting: HostedMeeting,
    activity: dict[str, Any],
    inboxes: list[str],
    base_url: str,
    now: datetime,
) -> None:
    if inboxes:
        await send(
            session,
            actor=meeting.group.actor,
            activity=activity,
            inboxes=inboxes,
            object_uri=event_uri(base_url, meeting.view.public_id),
            now=now,
            context=EVENT_CONTEXT,
        )


def _details_kept(meeting: HostedMeeting) -> bool:
    """Whether the group keeps a place or link for attendees (so guests going need their
    own copy)."""
    view = meeting.view
    return view.details_for_attendees and bool(meeting.place or meeting.online_url)


async def _private_copy(
    session: AsyncSession, site: Site, meeting: HostedMeeting, actor_id: int, now: datetime
) -> None:
    """The Event with its place and link, to one guest going, at their own inbox."""
    inbox = await inbox_of(session, actor_id)
    if inbox is None:
        return
    attendee = (await actor_by_id(session, actor_id)).uri
    document = with_details(event_of(meeting, site.base_url), meeting, attendee)
    update = private_update(new_activity_id(site, now), meeting.group.actor.uri, document, attendee)
    await _send(session, meeting, update, [inbox], site.base_url, now)


async def send_event(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """The group's ``Create``/``Update``/``Delete`` of a meeting's Event, announced to its
    members' nodes; every guest hears of it too."""
    assert event.subject_id is not None
    meeting = await hosted_by_id(session, event.subject_id, now)
    if meeting is None:
        return
    kind, group = _KINDS[event.kind], meeting.group
    uri = event_uri(site.base_url, meeting.view.public_id)
    document = activities.tombstone(uri) if kind == "Delete" else event_of(meeting, site.base_url)
    activity = activities.post_activity(
        new_activity_id(site, now),
        kind,
        group.actor.uri,
        document,
        group=group.actor.uri,
        public=group.public,
    )
    reached = await member_inboxes(session, group.id)
    if reached:
        shared = activities.announce(
            new_activity_id(site, now), group.actor.uri, activity, public=group.public
        )
        await _send(session, meeting, shared, reached, site.base_url, now)
    direct: list[str] = []
    for guest in await guests_of(session, event.subject_id):
        if kind != "Delete" and guest.state is Attendance.GOING and _details_kept(meeting):
            await _private_copy(session, site, meeting, guest.actor_id, now)
            continue
        inbox = await node_inbox_of(session, guest.actor_id)
        if inbox is not None and inbox not in reached and inbox not in direct:
            direct.append(inbox)
    await _send(session, meeting, activity, direct, site.base_url, now)


async def send_guest_accepted(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A guest has a place: the group's ``Accept`` of their Join, then their own copy of
    the Event with the place and link (when the group keeps those for attendees)."""
    assert event.subject_id is not None
    found = await guest_at(session, event.subject_id)
    if found is None or found[1].state is not Attendance.GOING:
        return  # they left, or were declined, before this went
    meeting_id, guest = found
    meeting = await hosted_by_id(session, meeting_id, now)
    inbox = await inbox_of(session, guest.actor_id)
    if meeting is None or inbox is None:
        return
    attendee = (await actor_by_id(session, guest.actor_id)).uri
    accept = join_answer(
        new_activity_id(site, now),
        "Accept",
        meeting.group.actor.uri,
        join_uri=guest.join_uri,
        attendee=attendee,
        event=event_uri(site.base_url, meeting.view.public_id),
    )
    await _send(session, meeting, accept, [inbox], site.base_url, now)
    if _details_kept(meeting):
        await _private_copy(session, site, meeting, guest.actor_id, now)


async def send_guest_rejected(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A guest was turned down: the group's ``Reject`` of their Join, to them alone."""
    assert event.subject_id is not None
    meeting = await hosted_by_id(session, int(event.data["meeting"]), now)
    inbox = await inbox_of(session, event.subject_id)
    if meeting is None or inbox is None:
        return
    reject = join_answer(
        new_activity_id(site, now),
        "Reject",
        meeting.group.actor.uri,
        join_uri=str(event.data["join"]),
        attendee=(await actor_by_id(session, event.subject_id)).uri,
        event=event_uri(site.base_url, meeting.view.public_id),
    )
    await _send(session, meeting, reject, [inbox], site.base_url, now)
