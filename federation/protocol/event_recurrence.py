"""Reading Kinfolk's ``recurrence`` on an ``Event``: the series behind the next occurrence.

Other software sees one Event, the next occurrence; a Kinfolk node adds the series
(``kinfolk:recurrence``, FEDERATION.md) so another Kinfolk node keeps it whole:
``{"rrule": RFC 5545 RRULE text, "startLocal": the first start as a wall time,
"exceptions": [{"date", "cancelled" | "movedTo"}]}``. The rules a meeting can have
(``node.meetings.recurrence``) are what is read; anything else is refused by name, so
a series is never kept half-understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import vRecur

from federation.protocol.vocab import Malformed, as_list
from node.kinds import Recurrence
from node.meetings.views import ExceptionView

MAX_EXCEPTIONS = 500  # a weekly series of ten years has fewer occurrences
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_UNDERSTOOD = frozenset({"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT", "WKST"})


@dataclass(frozen=True)
class SeriesReading:
    starts_local: datetime  # the first occurrence, a naive wall time in the Event's zone
    recurrence: Recurrence
    interval: int
    until_date: date | None
    count: int | None
    exceptions: tuple[ExceptionView, ...]


def read_series(value: Any, time_zone: str) -> SeriesReading:
    """The series, or ``Malformed`` naming what is wrong with it."""
    if not isinstance(value, dict):
        raise Malformed("recurrence is not an object")
    starts_local = _wall_time(value.get("startLocal"), "recurrence.startLocal")
    rrule = value.get("rrule")
    if not isinstance(rrule, str) or not rrule.strip():
        raise Malformed("recurrence.rrule is missing")
    recurrence, interval, until, count = _rule(rrule.strip().removeprefix("RRULE:"), time_zone)
    return SeriesReading(
        starts_local=starts_local,
        recurrence=recurrence,
        interval=interval,
        until_date=until,
        count=count,
        exceptions=_exceptions(value.get("exceptions")),
    )


def _rule(text: str, time_zone: str) -> tuple[Recurrence, int, date | None, int | None]:
    try:
        parts = dict(vRecur.from_ical(text))
    except (ValueError, TypeError) as exc:
        raise Malformed(f"recurrence.rrule is not an RRULE: {text[:100]!r}") from exc
    unknown = sorted(set(parts) - _UNDERSTOOD)
    if unknown:
        raise Malformed(f"recurrence.rrule uses {', '.join(unknown)}, which meetings do not")
    freq = _one(parts, "FREQ")
    interval = _one(parts, "INTERVAL", 1)
    if not isinstance(interval, int) or not 1 <= interval <= 12:
        raise Malformed("recurrence.rrule's INTERVAL is not 1 to 12")
    if freq == "WEEKLY":
        recurrence = Recurrence.WEEKLY
    elif freq == "MONTHLY" and "BYDAY" in parts:
        day = str(_one(parts, "BYDAY"))
        if day[-2:] not in _WEEKDAYS or day[:-2].lstrip("+") not in {"1", "2", "3", "4", "-1"}:
            raise Malformed(f"recurrence.rrule's BYDAY {day!r} is not a weekday of the month")
        recurrence = Recurrence.MONTHLY_WEEKDAY
    elif freq == "MONTHLY":
        recurrence = Recurrence.MONTHLY_DATE
    else:
        raise Malformed(f"recurrence.rrule's FREQ {freq!r} is not weekly or monthly")
    count = _one(parts, "COUNT", None)
    if count is not None and (not isinstance(count, int) or not 1 <= count <= 500):
        raise Malformed("recurrence.rrule's COUNT is not 1 to 500")
    return recurrence, interval, _until(_one(parts, "UNTIL", None), time_zone), count


def _one(parts: dict[str, list[Any]], key: str, default: Any = ...) -> Any:
    values = parts.get(key)
    if not values:
        if default is ...:
            raise Malformed(f"recurrence.rrule has no {key}")
        return default
    return values[0]


def _until(value: Any, time_zone: str) -> date | None:
    """UNTIL as the last local date an occurrence may fall on."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.date()
        return value.astimezone(ZoneInfo(time_zone)).date()
    if isinstance(value, date):
        return value
    raise Malformed("recurrence.rrule's UNTIL is not a date")


def _wall_time(value: Any, what: str) -> datetime:
    """A local wall time; an offset, if given, is dropped (the zone is the Event's)."""
    if not isinstance(value, str):
        raise Malformed(f"{what} is missing")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Malformed(f"{what} is not a date and time: {value[:50]!r}") from None
    return moment.replace(tzinfo=None, second=0, microsecond=0)


def _exceptions(value: Any) -> tuple[ExceptionView, ...]:
    entries = as_list(value)
    if len(entries) > MAX_EXCEPTIONS:
        raise Malformed(f"recurrence has more than {MAX_EXCEPTIONS} exceptions")
    found: list[ExceptionView] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("date"), str):
            raise Malformed("a recurrence exception has no date")
        try:
            day = date.fromisoformat(entry["date"])
        except ValueError:
            given = entry["date"][:20]
            raise Malformed(f"a recurrence exception's date is not one: {given!r}") from None
        moved = entry.get("movedTo")
        cancelled = entry.get("cancelled") is True
        if not cancelled and moved is None:
            raise Malformed("a recurrence exception is neither cancelled nor moved")
        moved_to = None if moved is None else _wall_time(moved, "recurrence.exceptions.movedTo")
        found.append(ExceptionView(day, cancelled, moved_to))
    return tuple(found)
