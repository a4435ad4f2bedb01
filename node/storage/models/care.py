"""Care: the kind messages a member is sent when someone is worried about them, and the
moderators who step back from the queue for a while.

A care message says only that someone in a community cares, and which resources the
group and the node offer (worked out when it is read). It never holds who reported, nor
what they wrote: there is nothing in the row to leak.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime


class CareMessage(Base):
    """A kind message for a member of this node, about a group (or the node itself)."""

    __tablename__ = "care_messages"
    __table_args__ = (Index("ix_care_message_member", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    # The group whose resources it offers first; None: the node's alone.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SteppingBack(Base):
    """A moderator who stepped back from the queue: until ``until``, or until they return."""

    __tablename__ = "moderators_stepping_back"

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
