"""A member's notifications, and when they want none shown or sent (quiet hours).

One row per thing that happened to one of our members. ``actor_id`` is who caused it
when they may be named (never a moderator, never an anonymous writer: then it is None
and ``anonymous`` says how to show it); ``post_id``, ``group_id``, ``conversation_id``
and ``meeting_id`` say what it is about, and together with ``kind`` they are what the
listing groups by. Rows are only ever marked read, never rewritten.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import NotificationKind
from node.storage.models.base import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # "My notifications, newest first" and "my unread ones" are each one index range.
        Index("ix_notification_recipient", "recipient_id", "created_at", "id"),
        Index(
            "ix_notification_unread",
            "recipient_id",
            "kind",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(
            NotificationKind,
            name="notification_kind",
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda k: [m.value for m in k],
        )
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), nullable=True
    )
    # Caused by an anonymous writer: shown as the group's anonymous member.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), nullable=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), nullable=True
    )
    # A moderator's reason (or a group elsewhere's for a refusal), as given; empty otherwise.
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class NotificationSettings(Base):
    """A member's quiet hours: a daily window, in their own time zone, in which nothing
    is shown as new or sent. No row: UTC, and no window."""

    __tablename__ = "notification_settings"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # An IANA name (``Europe/Berlin``), checked against zoneinfo when set.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start: Mapped[time | None] = mapped_column(Time(), nullable=True)
    quiet_end: Mapped[time | None] = mapped_column(Time(), nullable=True)
