"""A group's meetings: the series, its exceptions, facilitators, who is coming, the
reminders already sent, and each member's private calendar feed.

A meeting keeps its start as the local wall time and an IANA zone, so a weekly 19:00
Berlin meeting stays 19:00 across daylight-saving changes; occurrences in UTC are worked
out from that (``node.meetings.recurrence``). ``first_start_at`` and ``last_end_at`` are
that work, stored so "what is coming up in this group" is one index range
(``last_end_at`` leaves room for a last occurrence moved later, and is None for a
series without end). RSVP is per series, not per
occurrence: a support group's regulars come each week, and a place is a place in the
circle.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import Attendance, MeetingJoinMode, Recurrence
from node.storage.models.base import Base, UTCDateTime, enum_column


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meeting_group_upcoming", "group_id", "last_end_at"),
        Index("ix_meeting_ap_id", "ap_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the API names it by (never the row id); also the stable iCalendar UID.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # Markdown as written, and its sanitised HTML (node.content).
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    content_warning: Mapped[str] = mapped_column(String(500), default="")
    topics: Mapped[str] = mapped_column(String(200), default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    # The first occurrence's start as a wall clock in ``time_zone`` (no offset).
    starts_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    recurrence: Mapped[Recurrence] = mapped_column(enum_column(Recurrence, "recurrence"))
    # Every ``interval`` weeks or months.
    interval: Mapped[int] = mapped_column(Integer, default=1)
    # The last local date an occurrence may fall on, and/or how many there are.
    until_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    place: Mapped[str] = mapped_column(String(500), default="")
    online_url: Mapped[str] = mapped_column(String(2048), default="")
    # The place and link are for confirmed attendees, facilitators and moderators only.
    details_for_attendees: Mapped[bool] = mapped_column(Boolean, default=True)
    # Places for "going"; None: no limit.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    join_mode: Mapped[MeetingJoinMode] = mapped_column(
        enum_column(MeetingJoinMode, "meeting_join_mode")
    )
    # Others see how many come, never who.
    anonymous_attendance: Mapped[bool] = mapped_column(Boolean, default=False)
    # Counts the edits (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A meeting of a group elsewhere: its Event's id (None for our own meetings, whose
    # ids come from ``public_id``) and the page its node shows it on.
    ap_id: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    remote_url: Mapped[str] = mapped_column(String(2048), default="", server_default="")


class MeetingException(Base):
    """One occurrence, named by its original local date, cancelled or moved."""

    __tablename__ = "meeting_exceptions"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence_date: Mapped[date] = mapped_column(Date, primary_key=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The new local wall-clock start (same zone, same length) of a moved occurrence.
    moved_to_local: Mapped[datetime | None] = mapped_column(DateTime(timezone=False), nullable=True)


class MeetingFacilitator(Base):
    """A member the group's moderators appointed to run a meeting."""

    __tablename__ = "meeting_facilitators"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )


class MeetingParticipation(Base):
    """A member's RSVP to a meeting series. ``since`` orders the waiting list."""

    __tablename__ = "meeting_participations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "actor_id"),
        Index("ix_meeting_participation_line", "meeting_id", "state", "since"),
        # "My meetings".
        Index("ix_meeting_participation_mine", "actor_id", "state"),
        Index("ix_meeting_participation_activity", "activity_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    state: Mapped[Attendance] = mapped_column(enum_column(Attendance, "attendance"))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    # The Join behind this RSVP when it crossed nodes: a remote attendee's Join of our
    # meeting, or our member's Join of a meeting elsewhere (what Accept/Reject name).
    activity_id: Mapped[str | None] = mapped_column(String(2048), nullable=True)


class SentReminder(Base):
    """A reminder told once: per occurrence (its UTC start), member and kind."""

    __tablename__ = "meeting_reminders"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    # "day" or "hour".
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)


class CalendarFeed(Base):
    """A member's private calendar URL: only a hash of its token is kept."""

    __tablename__ = "calendar_feeds"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
