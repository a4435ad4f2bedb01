"""Events: what happened here and must leave the node, written with the change itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime


class Event(Base):
    """Something that happened here and must travel: written in the same transaction as
    the change itself, so it is never lost and never sent for a change that rolled back.

    The domain does not know who consumes events; federation turns them into
    activities and deliveries and sets ``dispatched_at``.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_event_undispatched", "dispatched_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A small JSON object of facts that are gone once the change is made (e.g. the
    # id of a follow request that was withdrawn).
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
