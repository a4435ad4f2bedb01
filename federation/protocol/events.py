"""Our meetings as ActivityStreams ``Event``s, in the shape Mobilizon sends and reads.

An Event is attributed to its group (the group is also its ``actor``, Mobilizon's
organizer: no facilitator is named) and addressed as the group's posts are, so a
private group's Event is never public. Other software is told one occurrence at a
time, the next (``startTime``/``endTime``); other Kinfolk nodes keep the whole series
from our extension ``recurrence`` (``kinfolk:recurrence``, a JSON value: the RFC 5545
RRULE, the local wall-clock start of the first occurrence, and the cancelled or moved
occurrences by their original local date).

The place and the link, when the group keeps them for attendees, are in no document
built by ``event_of``: only ``with_details`` adds them, to the copy that goes to one
accepted attendee's inbox (``federation.outbox.handlers.meetings``). A place anyone may
see is a ``Place`` with a ``PostalAddress``; a link anyone may see, and the link in an
attendee's copy, is Mobilizon's ``attachment`` ``Link`` named "Website".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from federation.protocol.activities import group_addressing
from federation.protocol.topic_tags import summary_of, topic_tags
from federation.protocol.vocab import ACTIVITY_CONTEXT, AS_CONTEXT, KINFOLK_NS
from node.kinds import MeetingJoinMode, Recurrence
from node.meetings.hosted import HostedMeeting
from node.meetings.ical import rrule_text

# Mobilizon's terms (its own namespace and schema.org's), with ours: every term an Event,
# and any activity carrying one, uses (tests/federation/test_event_shapes.py expands them).
EVENT_TERMS: dict[str, Any] = {
    "sc": "http://schema.org#",
    "mz": "https://joinmobilizon.org/ns#",
    "pt": "https://joinpeertube.org/ns#",
    "ical": "http://www.w3.org/2002/12/cal/ical#",
    "timezone": {"@id": "mz:timezone", "@type": "sc:Text"},
    "isOnline": {"@id": "mz:isOnline", "@type": "sc:Boolean"},
    "joinMode": {"@id": "mz:joinMode", "@type": "mz:joinModeType"},
    "joinModeType": {"@id": "mz:joinModeType", "@type": "rdfs:Class"},
    "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
    "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
    "participantCount": {"@id": "mz:participantCount", "@type": "sc:Integer"},
    "anonymousParticipationEnabled": {
        "@id": "mz:anonymousParticipationEnabled",
        "@type": "sc:Boolean",
    },
    "repliesModerationOption": {
        "@id": "mz:repliesModerationOption",
        "@type": "mz:repliesModerationOptionType",
    },
    "repliesModerationOptionType": {
        "@id": "mz:repliesModerationOptionType",
        "@type": "rdfs:Class",
    },
    "commentsEnabled": {"@id": "pt:commentsEnabled", "@type": "sc:Boolean"},
    "address": {"@id": "sc:address", "@type": "sc:PostalAddress"},
    "PostalAddress": "sc:PostalAddress",
    "streetAddress": "sc:streetAddress",
    "kinfolk": KINFOLK_NS,
    "recurrence": {"@id": "kinfolk:recurrence", "@type": "@json"},
}
EVENT_CONTEXT: list[Any] = [AS_CONTEXT, {**ACTIVITY_CONTEXT[1], **EVENT_TERMS}]

JOIN_MODES = {MeetingJoinMode.OPEN: "free", MeetingJoinMode.APPROVAL: "restricted"}


def event_uri(base_url: str, public_id: str) -> str:
    """A meeting's Event id, which is also its page."""
    return f"{base_url}/meetings/{public_id}"


def _when(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def recurrence_of(meeting: HostedMeeting) -> dict[str, Any] | None:
    """``kinfolk:recurrence``: the series as other Kinfolk nodes keep it; None for a
    single meeting."""
    view = meeting.view
    rule = rrule_text(view)
    if rule is None or view.recurrence is Recurrence.NONE:
        return None
    exceptions: list[dict[str, Any]] = []
    for change in view.exceptions:
        entry: dict[str, Any] = {"date": change.occurrence_date.isoformat()}
        if change.cancelled:
            entry["cancelled"] = True
        elif change.moved_to_local is not None:
            entry["movedTo"] = change.moved_to_local.isoformat()
        else:
            continue
        exceptions.append(entry)
    return {
        "rrule": rule,
        "startLocal": view.starts_local.isoformat(),
        "exceptions": exceptions,
    }


def place_of(place: str) -> dict[str, Any]:
    """A place as Mobilizon reads it: a ``Place`` named as we have it, its address the
    same words (we keep one line, not its parts)."""
    return {
        "type": "Place",
        "name": place,
        "address": {"type": "PostalAddress", "streetAddress": place},
    }


def link_of(url: str) -> dict[str, Any]:
    """An online meeting's address, as Mobilizon attaches one."""
    return {"type": "Link", "name": "Website", "mediaType": "text/html", "href": url}


def event_of(meeting: HostedMeeting, base_url: str) -> dict[str, Any]:
    """The Event of one of our meetings as anyone who may read its group may see it
    (no ``@context``: activities carry it)."""
    view, group = meeting.view, meeting.group.actor.uri
    uri = event_uri(base_url, view.public_id)
    if meeting.next is not None:
        start, end = meeting.next.starts_at, meeting.next.ends_at
    else:  # the series is over: its first occurrence stands for it
        start = view.starts_at
        end = start + timedelta(minutes=view.duration_minutes)
    remaining = view.remaining
    language = meeting.group.language
    document: dict[str, Any] = {
        "id": uri,
        "type": "Event",
        "name": view.title,
        "content": view.description_html,
        "mediaType": "text/html",
        "attributedTo": group,
        "actor": group,
        "audience": group,
        **group_addressing(group, public=meeting.group.public),
        "url": uri,
        "startTime": _when(start),
        "endTime": _when(end),
        "timezone": view.time_zone,
        "isOnline": view.is_online,
        "joinMode": JOIN_MODES[view.join_mode],
        "maximumAttendeeCapacity": view.capacity or 0,
        "remainingAttendeeCapacity": remaining,
        "participantCount": view.going_count,
        "anonymousParticipationEnabled": view.anonymous_attendance,
        "repliesModerationOption": "closed",
        "commentsEnabled": False,
        "ical:status": "CANCELLED" if view.cancelled else "CONFIRMED",
        "published": _when(view.created_at),
        "updated": _when(view.updated_at),
        "sensitive": bool(view.content_warning or view.topics),
    }
    if warning := summary_of(view.content_warning, view.topics, language):
        document["summary"] = warning
    if view.topics:
        document["tag"] = topic_tags(view.topics, language)
    if (recurrence := recurrence_of(meeting)) is not None:
        document["recurrence"] = recurrence
    # Shown to everyone only when the group does not keep them for attendees.
    if view.place:
        document["location"] = place_of(view.place)
    if view.online_url:
        document["attachment"] = [link_of(view.online_url)]
    return document


def with_details(document: dict[str, Any], meeting: HostedMeeting, attendee: str) -> dict[str, Any]:
    """The Event as one accepted attendee may see it: with the place and link, and
    addressed to them alone."""
    private = {**document, "to": [attendee], "cc": []}
    if meeting.place:
        private["location"] = place_of(meeting.place)
    if meeting.online_url:
        private["attachment"] = [link_of(meeting.online_url)]
    return private


def join_answer(
    uri: str, kind: str, group: str, *, join_uri: str, attendee: str, event: str
) -> dict[str, Any]:
    """The group's ``Accept`` or ``Reject`` of a person's ``Join`` of one of its Events,
    to that person alone; the Join embedded (Mobilizon matches it by its id)."""
    join = {"id": join_uri, "type": "Join", "actor": attendee, "object": event}
    return {"id": uri, "type": kind, "actor": group, "object": join, "to": [attendee]}


def private_update(uri: str, group: str, document: dict[str, Any], attendee: str) -> dict[str, Any]:
    """The group's ``Update`` of its Event carrying what only ``attendee`` may see, to
    them alone (never to followers or the public)."""
    return {"id": uri, "type": "Update", "actor": group, "object": document, "to": [attendee]}


def meeting_named(base_url: str, uri: str) -> str | None:
    """The public id of our meeting whose Event ``uri`` is, if it is one of ours."""
    prefix = f"{base_url}/meetings/"
    if not uri.startswith(prefix):
        return None
    public_id = uri[len(prefix) :]
    return public_id if public_id and public_id.isalnum() else None
