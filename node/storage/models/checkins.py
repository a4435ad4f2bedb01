"""A member's private check-ins: how they are (a scale of five steps), a few words of
their own and an optional note.

Only their member ever reads them: no event, activity or collection names a check-in.
Shared with a group, a check-in becomes a post (``posts.check_in_scale`` marks it), and
``shared_post_id`` remembers which, so the member's history can say it was shared.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (Index("ix_check_in_owner", "owner_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the API and pages name it by (never the row id).
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    # 1 "really struggling" … 5 "really good" (``node.checkins.scale``).
    scale: Mapped[int] = mapped_column(SmallInteger)
    # The member's feeling words, one per line, plain text.
    words: Mapped[str] = mapped_column(String(400), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The post it became when the member shared it (None: never shared, or deleted).
    shared_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), nullable=True
    )
