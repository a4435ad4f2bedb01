"""Reading an ``Event`` (a meeting of a group elsewhere), whichever server wrote it.

Mobilizon's shape is the reference (``startTime``, ``endTime``, ``timezone``, a
``Place`` ``location`` with a ``PostalAddress``, ``joinMode``,
``maximumAttendeeCapacity``, ``participantCount``, ``anonymousParticipationEnabled``,
its online address as an ``attachment`` Link named "Website", ``ical:status``);
Gancio sends fewer fields (a location with a name alone, no zone); a Kinfolk node adds
the series (``federation.protocol.event_recurrence``). What is missing gets a calm
default (no zone: UTC; no end: an hour after the start); what is broken (no id, no
name, no start with a zone) is refused with ``Malformed`` saying which. The description
is sanitized here as a post's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from federation.protocol.event_recurrence import SeriesReading, read_series
from federation.protocol.post_readings import SENSITIVE_WARNING, first_uri, plain_text, read_date
from federation.protocol.topic_tags import read_topics
from federation.protocol.vocab import PUBLIC_ALIASES, Malformed, as_list, ids_of, require_uri
from node.content import render_markdown, sanitize_html
from node.kinds import MeetingJoinMode
from node.topics import Topic

EVENT_TYPE = "Event"
DEFAULT_DURATION = timedelta(hours=1)
# Mobilizon's name for the attachment that is an event's online address.
ONLINE_ADDRESS_NAME = "Website"
PLACE_MAX = 500
_ZONES = frozenset(available_timezones() | {"UTC"})
# Mobilizon's joinMode: "free" is open; "restricted" (and "invite") wait for the organizer.
_JOIN_MODES = {
    "free": MeetingJoinMode.OPEN,
    "restricted": MeetingJoinMode.APPROVAL,
    "invite": MeetingJoinMode.APPROVAL,
}
_ADDRESS_PARTS = (
    "streetAddress",
    "postalCode",
    "addressLocality",
    "addressRegion",
    "addressCountry",
)


@dataclass(frozen=True)
class EventReading:
    """An ``Event``: when and where a group (or a person) meets."""

    uri: str
    organizer_uri: str  # attributedTo: the group, for a group's event
    actor_uri: str | None  # Mobilizon's ``actor`` on the Event: who made it
    title: str
    content_html: str  # sanitized
    content_warning: str
    topics: tuple[Topic, ...]
    starts_at: datetime  # this (the next) occurrence, aware
    ends_at: datetime
    time_zone: str  # IANA; UTC when not given or unknown here
    place: str  # one line: the place's name and address; "" when not given
    online_url: str | None  # the online address, when the Event carries it
    is_online: bool
    join_mode: MeetingJoinMode
    capacity: int | None  # None: no limit (Mobilizon says 0)
    remaining_capacity: int | None
    participant_count: int | None
    anonymous_participation: bool
    url: str | None  # the page the organizer's node shows it on
    to: tuple[str, ...]
    cc: tuple[str, ...]
    published: datetime | None
    updated: datetime | None
    cancelled: bool  # Mobilizon's ``ical:status`` CANCELLED
    series: SeriesReading | None  # Kinfolk's ``recurrence``; None for a single Event

    @property
    def public(self) -> bool:
        return any(address in PUBLIC_ALIASES for address in (*self.to, *self.cc))

    @property
    def starts_local(self) -> datetime:
        """This occurrence's start as a naive wall time in ``time_zone``."""
        return self.starts_at.astimezone(ZoneInfo(self.time_zone)).replace(tzinfo=None)


def read_event(document: dict[str, Any]) -> EventReading:
    """An Event, or ``Malformed`` saying what is missing or broken."""
    uri = require_uri(document.get("id"), "id")
    title = _text(document.get("name"))
    if not title:
        raise Malformed("the Event has no name")
    starts_at = read_date(document.get("startTime"))
    if starts_at is None:
        raise Malformed("the Event's startTime is missing or has no time zone")
    ends_at = read_date(document.get("endTime"))
    if ends_at is None or ends_at <= starts_at:
        ends_at = starts_at + DEFAULT_DURATION
    time_zone = _time_zone(document.get("timezone"))
    sensitive = document.get("sensitive") is True
    warning = _text(document.get("summary")) if sensitive else ""
    topics, warning = read_topics(document.get("tag"), warning, title)
    online_url = _online_address(document.get("attachment"))
    series_value = document.get("recurrence", document.get("kinfolk:recurrence"))
    return EventReading(
        uri=uri,
        organizer_uri=first_uri(document.get("attributedTo"), "attributedTo"),
        actor_uri=_optional_http(document.get("actor")),
        title=title[:200],
        content_html=_content(document),
        content_warning=(warning or (SENSITIVE_WARNING if sensitive else ""))[:500],
        topics=topics,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        place=_place(document.get("location"))[:PLACE_MAX],
        online_url=online_url,
        is_online=document.get("isOnline") is True or online_url is not None,
        join_mode=_JOIN_MODES.get(str(document.get("joinMode")), MeetingJoinMode.OPEN),
        capacity=_count(document.get("maximumAttendeeCapacity"), zero_is_none=True),
        remaining_capacity=_count(document.get("remainingAttendeeCapacity")),
        participant_count=_count(document.get("participantCount")),
        anonymous_participation=document.get("anonymousParticipationEnabled") is True,
        url=_page(document.get("url")),
        to=tuple(ids_of(document.get("to"))),
        cc=tuple(ids_of(document.get("cc"))),
        published=read_date(document.get("published")),
        updated=read_date(document.get("updated")),
        cancelled=str(document.get("ical:status", "")).upper() == "CANCELLED",
        series=None if series_value is None else read_series(series_value, time_zone),
    )


def _text(value: Any) -> str:
    return plain_text(value) if isinstance(value, str) else ""


def _content(document: dict[str, Any]) -> str:
    content = document.get("content")
    if not isinstance(content, str):
        content_map = document.get("contentMap")
        if isinstance(content_map, dict):
            content = next((v for v in content_map.values() if isinstance(v, str)), None)
    if not isinstance(content, str):
        return ""
    if document.get("mediaType") == "text/markdown":
        return render_markdown(content)
    return sanitize_html(content.strip())


def _time_zone(value: Any) -> str:
    """An IANA zone this node knows; anything else (or nothing) reads as UTC, which the
    start and end, given with their offsets, are exact in anyway."""
    if not isinstance(value, str) or value.strip() not in _ZONES:
        return "UTC"
    return value.strip()


def _place(value: Any) -> str:
    """A ``Place`` (or a bare ``{"name"}``, Gancio's), its address a string or a
    ``PostalAddress``: one line, its parts once each, in the order people write them."""
    for entry in as_list(value):
        if isinstance(entry, str):
            return _text(entry)
        if not isinstance(entry, dict):
            continue
        parts = [_text(entry.get("name"))]
        address = entry.get("address")
        if isinstance(address, str):
            parts.append(_text(address))
        elif isinstance(address, dict):
            parts.extend(_text(address.get(key)) for key in _ADDRESS_PARTS)
        seen: list[str] = []
        for part in parts:
            if part and part not in seen:
                seen.append(part)
        if seen:
            return ", ".join(seen)
    return ""


def _online_address(attachments: Any) -> str | None:
    """Mobilizon's online address: the ``Link`` attachment named "Website"."""
    for attachment in as_list(attachments):
        if (
            isinstance(attachment, dict)
            and attachment.get("type") == "Link"
            and attachment.get("name") == ONLINE_ADDRESS_NAME
        ):
            return _optional_http(attachment.get("href"))
    return None


def _count(value: Any, *, zero_is_none: bool = False) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    return None if zero_is_none and value == 0 else value


def _page(value: Any) -> str | None:
    for entry in as_list(value):
        href = entry.get("href") if isinstance(entry, dict) else entry
        if (uri := _optional_http(href)) is not None:
            return uri
    return None


def _optional_http(value: Any) -> str | None:
    entries = as_list(value)
    if not entries:
        return None
    try:
        return require_uri(entries[0], "uri")
    except Malformed:
        return None
