"""A member's own boundaries: whom they muted, whom they blocked, which nodes they
blocked for themselves.

Each row is one person's choice about their own view and reach, never a moderation
decision: nobody else is told of a mute, and a block is told only to the blocked
person's server (as Mastodon does). Who may *ask* a member for a conversation is a
column on ``accounts`` (``contact_policy``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime


class Mute(Base):
    """The owner does not want to see the actor's posts and replies; the actor is not told."""

    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("owner_id", "actor_id", name="uq_mute"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ActorBlock(Base):
    """The owner blocked the actor: hidden from the owner, and the actor may not reply to
    the owner, mention them or ask them for a conversation.

    The owner is one of our members, or a remote actor whose server told us (an incoming
    ``Block``): then we stop sending that person our member's requests and messages.
    ``activity_uri`` is the ``Block``'s id, ours or theirs, so its ``Undo`` finds it.
    """

    __tablename__ = "actor_blocks"
    __table_args__ = (
        UniqueConstraint("owner_id", "actor_id", name="uq_actor_block"),
        Index("ix_actor_block_actor", "actor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    activity_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NodeBlock(Base):
    """A member blocked a whole node for themselves (not for the node: that is the
    admins' federation policy): everyone there counts as blocked by this member."""

    __tablename__ = "node_blocks"
    __table_args__ = (UniqueConstraint("owner_id", "domain", name="uq_node_block"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
