"""What the meeting services return: plain frozen dataclasses carrying only what their
viewer may see (the place and link are None when they are for attendees only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from node.kinds import Attendance, MeetingJoinMode, Recurrence
from node.topics import Topic
from node.views import ActorRef


@dataclass(frozen=True)
class ExceptionView:
    """One occurrence, by its original local date, cancelled or moved (new local start)."""

    occurrence_date: date
    cancelled: bool
    moved_to_local: datetime | None


@dataclass(frozen=True)
class MeetingView:
    public_id: str
    group: ActorRef
    title: str
    description: str  # Markdown as written
    description_html: str  # sanitised
    content_warning: str
    topics: tuple[Topic, ...]
    time_zone: str
    starts_local: datetime  # the first occurrence, wall time in ``time_zone``
    duration_minutes: int
    recurrence: Recurrence
    interval: int
    until_date: date | None
    count: int | None
    starts_at: datetime  # the first occurrence, UTC
    is_online: bool
    details_for_attendees: bool
    # None when ``details_for_attendees`` and the viewer is not entitled to them.
    place: str | None
    online_url: str | None
    capacity: int | None
    join_mode: MeetingJoinMode
    anonymous_attendance: bool
    going_count: int
    exceptions: tuple[ExceptionView, ...]
    sequence: int
    created_at: datetime
    updated_at: datetime
    cancelled: bool
    # The viewer's own RSVP, and whether they may schedule, edit and accept.
    attendance: Attendance | None
    can_manage: bool

    @property
    def remaining(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.going_count, 0)

    @property
    def details_shown(self) -> bool:
        return self.place is not None or self.online_url is not None


@dataclass(frozen=True)
class OccurrenceView:
    """One occurrence of a meeting (times in UTC; ``starts_local`` in its zone)."""

    meeting: MeetingView
    original_date: date
    starts_at: datetime
    ends_at: datetime
    starts_local: datetime
    moved: bool
    cancelled: bool


@dataclass(frozen=True)
class Participant:
    member: ActorRef
    state: Attendance
    since: datetime


@dataclass(frozen=True)
class ParticipantsView:
    """Counts for everyone; names only for those who may see them (``names_shown``)."""

    going: int
    maybe: int
    waiting: int
    pending: int
    names_shown: bool
    participants: tuple[Participant, ...]
