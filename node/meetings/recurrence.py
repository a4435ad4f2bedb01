"""When a meeting happens: its occurrences, worked out from the local wall time.

Pure functions, no database. A series repeats its *local* start (19:00 in Berlin) and
each occurrence is turned into UTC on its own day, so the clock time stays across a
daylight-saving change while the UTC time shifts by the hour. An occurrence is named
by its original local date: that is what a cancellation or a move refers to (as an
iCalendar RECURRENCE-ID does), even after it has moved.

Monthly by weekday repeats the start's place in its month ("first Saturday"); a start
in the month's last seven days that is its fifth such weekday repeats as the last one.
Monthly by date skips months without that day (the 31st), as RFC 5545 does.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from node.kinds import Recurrence

# However far a list looks ahead, no series yields more than this many at once.
MAX_OCCURRENCES = 1000
# How far an occurrence may be moved from where the rule puts it.
MAX_MOVE = timedelta(days=60)


@dataclass(frozen=True)
class Rule:
    """A series as the meeting row keeps it."""

    starts_local: datetime  # naive wall time in ``time_zone``
    time_zone: str
    duration: timedelta
    recurrence: Recurrence = Recurrence.NONE
    interval: int = 1
    until_date: date | None = None
    count: int | None = None


@dataclass(frozen=True)
class Change:
    """An exception to the rule for one occurrence: cancelled, or moved (new local start)."""

    cancelled: bool = False
    moved_to_local: datetime | None = None


@dataclass(frozen=True)
class Occurrence:
    original_date: date  # the local date the rule gives it
    starts_at: datetime  # UTC
    ends_at: datetime
    cancelled: bool = False
    moved: bool = False


def to_utc(local: datetime, time_zone: str) -> datetime:
    """A wall-clock time in ``time_zone`` as UTC (the first, when the clock repeats)."""
    return local.replace(tzinfo=ZoneInfo(time_zone), fold=0).astimezone(UTC)


def weekday_ordinal(day: date) -> int:
    """The day's place among its weekday in the month: 1 to 4, or -1 for the last."""
    ordinal = (day.day - 1) // 7 + 1
    return -1 if ordinal == 5 else ordinal


def _nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date | None:
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    if ordinal == -1:
        return days[-1]
    return days[ordinal - 1] if ordinal <= len(days) else None


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def local_starts(rule: Rule) -> Iterator[datetime]:
    """The series' local starts in order, within its until/count limit (unbounded
    otherwise: callers stop reading)."""
    start, clock = rule.starts_local, rule.starts_local.time()
    produced = 0
    step = 0
    while True:
        if rule.recurrence is Recurrence.NONE:
            candidate: date | None = start.date() if step == 0 else None
            if step > 0:
                return
        elif rule.recurrence is Recurrence.WEEKLY:
            candidate = start.date() + timedelta(weeks=rule.interval * step)
        else:
            year, month = _add_months(start.year, start.month, rule.interval * step)
            if rule.recurrence is Recurrence.MONTHLY_DATE:
                fits = start.day <= calendar.monthrange(year, month)[1]
                candidate = date(year, month, start.day) if fits else None
            else:
                ordinal = weekday_ordinal(start.date())
                candidate = _nth_weekday(year, month, start.weekday(), ordinal)
        step += 1
        if candidate is None:
            if step > MAX_OCCURRENCES * 2:
                return
            continue
        if rule.until_date is not None and candidate > rule.until_date:
            return
        yield datetime.combine(candidate, clock)
        produced += 1
        if rule.count is not None and produced >= rule.count:
            return


def occurrences(
    rule: Rule,
    changes: Mapping[date, Change],
    *,
    after: datetime,
    before: datetime | None = None,
    limit: int = MAX_OCCURRENCES,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Occurrences that end after ``after`` and start before ``before`` (UTC), with the
    cancelled ones only when asked, at most ``limit``, in order of their (moved) start."""
    found: list[Occurrence] = []
    for index, local in enumerate(local_starts(rule)):
        if index >= MAX_OCCURRENCES * 10:
            break
        original = local.date()
        change = changes.get(original, Change())
        starts_at = to_utc(change.moved_to_local or local, rule.time_zone)
        natural = to_utc(local, rule.time_zone)
        # An occurrence moves by at most MAX_MOVE: look that far past ``before`` for one.
        if before is not None and natural >= before + MAX_MOVE:
            break
        occurrence = Occurrence(
            original_date=original,
            starts_at=starts_at,
            ends_at=starts_at + rule.duration,
            cancelled=change.cancelled,
            moved=change.moved_to_local is not None,
        )
        if occurrence.ends_at <= after or (before is not None and starts_at >= before):
            continue
        if occurrence.cancelled and not include_cancelled:
            continue
        found.append(occurrence)
        if before is None and len(found) >= limit * 2 + 50:
            break
    found.sort(key=lambda o: (o.starts_at, o.original_date))
    return found[:limit]


def series_bounds(rule: Rule) -> tuple[datetime, datetime | None]:
    """The first start and the last end (UTC) of the series, the end with room for a
    last occurrence moved later; no last end for a series without one."""
    first = to_utc(rule.starts_local, rule.time_zone)
    if rule.recurrence is not Recurrence.NONE and rule.until_date is None and rule.count is None:
        return first, None
    last = first
    for index, local in enumerate(local_starts(rule)):
        last = to_utc(local, rule.time_zone)
        if index >= MAX_OCCURRENCES * 10:
            return first, None
    return first, last + rule.duration + MAX_MOVE


def occurrence_on(rule: Rule, original_date: date) -> datetime | None:
    """The local start the rule gives on ``original_date``, if it gives one."""
    for local in local_starts(rule):
        if local.date() == original_date:
            return local
        if local.date() > original_date:
            return None
    return None
