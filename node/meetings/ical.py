"""Meetings as iCalendar (RFC 5545), for calendar apps.

One VEVENT per series, with an RRULE as the series repeats, EXDATE for each cancelled
occurrence and one more VEVENT (same UID, a RECURRENCE-ID) for each moved one. Times
carry their TZID and the calendar its VTIMEZONEs, so apps keep the local clock time
across daylight-saving changes as we do. The UID stays the meeting's for good;
SEQUENCE and LAST-MODIFIED move with each edit; a cancelled series is STATUS:CANCELLED.
What goes in is the ``MeetingView`` its reader may see: the place and link are there
only when that reader is entitled to them, and no attendee is ever named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from node.kinds import Recurrence
from node.meetings.recurrence import weekday_ordinal
from node.meetings.views import MeetingView

MEDIA_TYPE = "text/calendar"
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _rrule(view: MeetingView) -> dict[str, Any] | None:
    if view.recurrence is Recurrence.NONE:
        return None
    rule: dict[str, Any] = {"FREQ": "WEEKLY", "INTERVAL": view.interval}
    start = view.starts_local
    if view.recurrence is Recurrence.MONTHLY_WEEKDAY:
        rule["FREQ"] = "MONTHLY"
        rule["BYDAY"] = f"{weekday_ordinal(start.date()):+d}{_DAYS[start.weekday()]}"
    elif view.recurrence is Recurrence.MONTHLY_DATE:
        rule["FREQ"], rule["BYMONTHDAY"] = "MONTHLY", start.day
    if view.until_date is not None:
        last = datetime.combine(view.until_date, start.time()).replace(
            tzinfo=ZoneInfo(view.time_zone)
        )
        rule["UNTIL"] = last.astimezone(UTC)
    if view.count is not None:
        rule["COUNT"] = view.count
    return rule


def rrule_text(view: MeetingView) -> str | None:
    """The series' RFC 5545 RRULE value (``FREQ=WEEKLY;INTERVAL=1``), as other Kinfolk
    nodes keep it; None for a single meeting."""
    rule = _rrule(view)
    if rule is None:
        return None
    return ";".join(
        f"{key}={value:%Y%m%dT%H%M%SZ}" if isinstance(value, datetime) else f"{key}={value}"
        for key, value in rule.items()
    )


def _event(view: MeetingView, domain: str, now: datetime, start: datetime) -> Event:
    zone = ZoneInfo(view.time_zone)
    event = Event()
    event.add("uid", f"{view.public_id}@{domain}")
    event.add("dtstamp", now)
    event.add("created", view.created_at)
    event.add("last-modified", view.updated_at)
    event.add("sequence", view.sequence)
    event.add("summary", view.title)
    description = view.description
    if view.content_warning:
        description = f"{view.content_warning}\n\n{description}".strip()
    if description:
        event.add("description", description)
    local = start.replace(tzinfo=zone)
    event.add("dtstart", local)
    event.add("dtend", local + timedelta(minutes=view.duration_minutes))
    event.add("status", "CANCELLED" if view.cancelled else "CONFIRMED")
    if view.place:
        event.add("location", view.place)
    elif view.online_url:
        event.add("location", view.online_url)
    if view.online_url:
        event.add("url", view.online_url)
    return event


def events_of(view: MeetingView, domain: str, now: datetime) -> list[Event]:
    """The series' VEVENT and one for each moved occurrence."""
    zone = ZoneInfo(view.time_zone)
    series = _event(view, domain, now, view.starts_local)
    rule = _rrule(view)
    if rule is not None:
        series.add("rrule", rule)
    clock = view.starts_local.time()
    cancelled = [
        datetime.combine(change.occurrence_date, clock).replace(tzinfo=zone)
        for change in view.exceptions
        if change.cancelled
    ]
    if cancelled:
        series.add("exdate", cancelled)
    found = [series]
    for change in view.exceptions:
        if change.cancelled or change.moved_to_local is None:
            continue
        moved = _event(view, domain, now, change.moved_to_local)
        original = datetime.combine(change.occurrence_date, clock).replace(tzinfo=zone)
        moved.add("recurrence-id", original)
        found.append(moved)
    return found


def calendar_of(views: Iterable[MeetingView], *, name: str, domain: str, now: datetime) -> bytes:
    """A calendar of these meetings, as bytes to serve as ``text/calendar; charset=utf-8``."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Kinfolk//{domain}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for view in views:
        for event in events_of(view, domain, now):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
