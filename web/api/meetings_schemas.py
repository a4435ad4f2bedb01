"""The shapes of the meetings API (``web.api.meetings_api``): what it takes and answers.

Field names follow the meeting as Mobilizon publishes an Event where they can
(``joinMode`` is ``join_mode`` here, and so on), so federation maps them one to one.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from pydantic import BaseModel, Field

from node.errors import InvalidInput
from node.kinds import Attendance, MeetingJoinMode, Recurrence
from node.meetings import scheduling
from node.meetings.views import MeetingView, OccurrenceView, Participant, ParticipantsView
from node.topics import Topic
from web.api.operation import Body
from web.api.schemas import ActorOut, actor_out


class ExceptionOut(BaseModel):
    date: dt.date = Field(description="The occurrence's original local date")
    cancelled: bool
    moved_to: datetime | None = Field(description="Its new local start (no offset)")


class MeetingOut(BaseModel):
    id: str
    group: ActorOut
    title: str
    description: str = Field(description="Markdown, as written")
    description_html: str = Field(description="Sanitised HTML")
    content_warning: str
    topics: list[Topic]
    time_zone: str = Field(description="IANA name, such as Europe/Berlin")
    starts_local: datetime = Field(description="First start, local wall time (no offset)")
    starts_at: datetime = Field(description="First start, UTC")
    duration_minutes: int
    recurrence: Recurrence
    interval: int = Field(description="Every so many weeks or months")
    until: date | None
    count: int | None
    is_online: bool
    details_for_attendees: bool = Field(
        description="The place and link are shown to confirmed attendees only"
    )
    place: str | None = Field(description="null when not yours to see, or none")
    online_url: str | None = Field(description="null when not yours to see, or none")
    capacity: int | None
    remaining: int | None = Field(description="Places left (null: no limit)")
    participant_count: int = Field(description="How many are going")
    join_mode: MeetingJoinMode
    anonymous_attendance: bool
    exceptions: list[ExceptionOut]
    sequence: int = Field(description="Counts the edits")
    updated_at: datetime
    cancelled: bool
    my_answer: Attendance | None
    can_manage: bool


class OccurrenceOut(BaseModel):
    date: dt.date = Field(description="Its original local date: what cancel and move take")
    starts_at: datetime
    ends_at: datetime
    starts_local: datetime
    moved: bool
    meeting: MeetingOut


class OccurrencePage(BaseModel):
    items: list[OccurrenceOut] = Field(description="Soonest first, within a year")
    next_cursor: str | None


class MeetingPage(BaseModel):
    items: list[MeetingOut]
    next_cursor: str | None


class ParticipantOut(BaseModel):
    member: ActorOut
    state: Attendance
    since: datetime


class ParticipantsOut(BaseModel):
    going: int
    maybe: int
    waiting: int
    pending: int = Field(description="Waiting for a facilitator (0 unless you are one)")
    names_shown: bool
    participants: list[ParticipantOut] = Field(description="Empty when names are not shown")


class AnswerOut(BaseModel):
    state: Attendance | None = Field(description="null: no answer")


class MeetingPatch(Body):
    """Any of a meeting's fields; what is left out stays as it is."""

    title: str | None = Field(None, max_length=scheduling.TITLE_MAX * 2)
    description: str | None = Field(None, max_length=scheduling.DESCRIPTION_MAX * 2)
    starts_local: datetime | None = Field(
        None, description="Local wall time in time_zone; an offset, if given, is ignored"
    )
    time_zone: str | None = Field(None, max_length=64)
    duration_minutes: int | None = None
    recurrence: Recurrence | None = None
    interval: int | None = None
    until: date | None = None
    count: int | None = None
    place: str | None = Field(None, max_length=1000)
    online_url: str | None = Field(None, max_length=4096)
    details_for_attendees: bool | None = None
    capacity: int | None = None
    join_mode: MeetingJoinMode | None = None
    anonymous_attendance: bool | None = None
    content_warning: str | None = Field(None, max_length=1000)
    topics: list[Topic] | None = Field(None, max_length=len(Topic))


class MeetingBody(MeetingPatch):
    title: str = Field(max_length=scheduling.TITLE_MAX * 2)
    starts_local: datetime = Field(
        description="Local wall time in time_zone; an offset, if given, is ignored"
    )
    time_zone: str = Field(max_length=64)
    duration_minutes: int


class AnswerBody(Body):
    state: Attendance = Field(description="going, maybe or not_going")


class MoveBody(Body):
    starts_local: datetime = Field(description="The new local start (same zone and length)")


# What an explicit null clears; any other field refuses one.
_CLEARABLE = frozenset(
    {
        "until",
        "count",
        "capacity",
        "topics",
        "description",
        "place",
        "online_url",
        "content_warning",
    }
)


def input_from(body: MeetingPatch, current: scheduling.MeetingInput) -> scheduling.MeetingInput:
    """``current`` with what the body gives (explicit nulls clear until/count/capacity)."""
    given = body.model_dump(exclude_unset=True)
    for key, value in given.items():
        if value is None and key not in _CLEARABLE:
            raise InvalidInput(f"{key} cannot be null", field=key)
    renamed = {"until": "until_date"}
    changes = {renamed.get(key, key): value for key, value in given.items()}
    if "topics" in changes:
        changes["topics"] = tuple(changes["topics"] or ())
    for text in ("description", "place", "online_url", "content_warning"):
        if text in changes and changes[text] is None:
            changes[text] = ""
    return scheduling.MeetingInput(**{**current.__dict__, **changes})


def meeting_out(view: MeetingView) -> MeetingOut:
    return MeetingOut(
        id=view.public_id,
        group=actor_out(view.group),
        title=view.title,
        description=view.description,
        description_html=view.description_html,
        content_warning=view.content_warning,
        topics=list(view.topics),
        time_zone=view.time_zone,
        starts_local=view.starts_local,
        starts_at=view.starts_at,
        duration_minutes=view.duration_minutes,
        recurrence=view.recurrence,
        interval=view.interval,
        until=view.until_date,
        count=view.count,
        is_online=view.is_online,
        details_for_attendees=view.details_for_attendees,
        place=view.place,
        online_url=view.online_url,
        capacity=view.capacity,
        remaining=view.remaining,
        participant_count=view.going_count,
        join_mode=view.join_mode,
        anonymous_attendance=view.anonymous_attendance,
        exceptions=[
            ExceptionOut(date=e.occurrence_date, cancelled=e.cancelled, moved_to=e.moved_to_local)
            for e in view.exceptions
        ],
        sequence=view.sequence,
        updated_at=view.updated_at,
        cancelled=view.cancelled,
        my_answer=view.attendance,
        can_manage=view.can_manage,
    )


def occurrence_out(view: OccurrenceView) -> OccurrenceOut:
    return OccurrenceOut(
        date=view.original_date,
        starts_at=view.starts_at,
        ends_at=view.ends_at,
        starts_local=view.starts_local,
        moved=view.moved,
        meeting=meeting_out(view.meeting),
    )


def participant_out(view: Participant) -> ParticipantOut:
    return ParticipantOut(member=actor_out(view.member), state=view.state, since=view.since)


def participants_out(view: ParticipantsView) -> ParticipantsOut:
    return ParticipantsOut(
        going=view.going,
        maybe=view.maybe,
        waiting=view.waiting,
        pending=view.pending,
        names_shown=view.names_shown,
        participants=[participant_out(p) for p in view.participants],
    )
