"""Quiet hours: a daily window, in the member's own time zone, in which nothing is shown
as new or sent. Nothing is lost: what arrives then waits until the window ends.

The window is set in local clock time and may wrap past midnight (22:00 to 07:00). Each
local day's window runs from the first moment its start time is reached to the first
moment its end time is reached, so a window stays one stretch when the clocks change:
a start or end that falls in a skipped hour begins when the clocks jump, and one that
falls in a repeated hour counts from its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.storage.models.notifications import NotificationSettings

DEFAULT_TIME_ZONE = "UTC"


@dataclass(frozen=True)
class QuietHours:
    """A member's time zone (IANA name) and quiet window; no window when either end is
    None."""

    time_zone: str
    start: time | None
    end: time | None

    @property
    def has_window(self) -> bool:
        return self.start is not None and self.end is not None


NO_QUIET_HOURS = QuietHours(time_zone=DEFAULT_TIME_ZONE, start=None, end=None)


def check_time_zone(name: str) -> str:
    """An IANA time zone name zoneinfo knows (``Europe/Berlin``), else ``InvalidInput``."""
    name = name.strip()
    if name not in _ZONES:
        raise InvalidInput(
            "choose a time zone from the list, such as Europe/Berlin", field="time_zone"
        )
    return name


_ZONES = frozenset(available_timezones() | {DEFAULT_TIME_ZONE})


def time_zone_names() -> list[str]:
    """Every time zone a member may choose, sorted (for the settings page's list)."""
    return sorted(_ZONES)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _first_reached(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the local clock in ``zone`` reads ``clock`` or
    later on ``day``: its first occurrence when repeated, the jump when skipped."""
    wall = datetime.combine(day, clock)
    earlier = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(earlier, zone) == wall:
        return earlier  # fold=0 is the first of two occurrences, if there are two
    # Skipped: the clock jumps somewhere between the two readings of ``wall``; find the
    # first whole second at which it reads ``wall`` or later.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(low, earlier), max(low, earlier)
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high


def _window_around(hours: QuietHours, now: datetime) -> tuple[datetime, datetime] | None:
    """The window (start, end, UTC) that holds ``now``, if one does."""
    if hours.start is None or hours.end is None or hours.start == hours.end:
        return None
    zone = ZoneInfo(hours.time_zone)
    today = now.astimezone(zone).date()
    wraps = hours.end < hours.start
    for day in (today - timedelta(days=1), today):
        start = _first_reached(day, hours.start, zone)
        end = _first_reached(day + timedelta(days=1) if wraps else day, hours.end, zone)
        if start <= now < end:
            return start, end
    return None


def is_quiet(hours: QuietHours, now: datetime) -> bool:
    """Whether ``now`` (aware) falls in the member's quiet window."""
    return _window_around(hours, now) is not None


def quiet_until(hours: QuietHours, now: datetime) -> datetime | None:
    """When the current quiet window ends (UTC), or None outside one."""
    window = _window_around(hours, now)
    return None if window is None else window[1]


def quiet_since(hours: QuietHours, now: datetime) -> datetime | None:
    """When the current quiet window began (UTC), or None outside one: what arrived
    since then waits."""
    window = _window_around(hours, now)
    return None if window is None else window[0]


async def quiet_hours_of(session: AsyncSession, account_id: int) -> QuietHours:
    """The member's quiet hours (``accounts.id``); UTC and no window if never set."""
    row = await session.get(NotificationSettings, account_id)
    if row is None:
        return NO_QUIET_HOURS
    return QuietHours(time_zone=row.time_zone, start=row.quiet_start, end=row.quiet_end)


async def set_quiet_hours(
    session: AsyncSession, account_id: int, *, time_zone: str, start: time | None, end: time | None
) -> QuietHours:
    """Set the member's time zone and window (both ends, or neither)."""
    zone = check_time_zone(time_zone)
    if (start is None) != (end is None):
        raise InvalidInput("give the quiet hours a start and an end, or neither", field="quiet_end")
    if start is not None and start == end:
        raise InvalidInput(
            "the quiet hours must end at another time than they start", field="quiet_end"
        )
    start = None if start is None else start.replace(second=0, microsecond=0, tzinfo=None)
    end = None if end is None else end.replace(second=0, microsecond=0, tzinfo=None)
    row = await session.get(NotificationSettings, account_id)
    if row is None:
        row = NotificationSettings(account_id=account_id)
        session.add(row)
    row.time_zone, row.quiet_start, row.quiet_end = zone, start, end
    await session.flush()
    return QuietHours(time_zone=zone, start=start, end=end)
