"""Posts (every thread start and reply, local or remote) and the support sent to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import ReactionKind
from node.storage.models.base import Base, UTCDateTime, enum_column


class Post(Base):
    """A thread start or a reply, local or remote."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_post_group_threads", "group_id", "in_reply_to_id", "published_at", "id"),
        # A group's thread starts, newest first: PostgreSQL does not take ``IS NULL`` as
        # fixing a column for ordering, so with the index above it read every thread start
        # of the group and sorted them (migration 0037).
        Index(
            "ix_post_group_thread_starts",
            "group_id",
            "published_at",
            "id",
            sqlite_where=text("in_reply_to_id IS NULL"),
            postgresql_where=text("in_reply_to_id IS NULL"),
        ),
        Index("ix_post_thread", "thread_id", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    local: Mapped[bool] = mapped_column(Boolean)
    author_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), nullable=True
    )
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), nullable=True
    )
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Markdown as written, for local posts (so edits start from what the author typed).
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_html: Mapped[str] = mapped_column(Text)
    content_warning: Mapped[str] = mapped_column(String(500), default="")
    # Support topics (``node.topics``), space-separated identifiers: chosen by a local
    # author, sent by another Kinfolk node, or read from another server's warning.
    topics: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Pinned to the top of its group by a moderator: an announcement (``featured`` in AP).
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Removed by a moderator: hidden from everyone but moderators, kept so it can be
    # restored (a deletion by the author wipes; a removal does not).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A locked thread takes no new replies (set on the thread start).
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Waiting for a moderator's approval (pre-moderation): shown to its author and the
    # group's moderators only, and not sent to other nodes until approved.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Our member's post in a group on another node, sent there and not yet shared by the
    # group (its Announce has not arrived): seen by its author only, whatever that group
    # decides (``node.pending_posts``). Turned down there, it is also ``removed_at``.
    pending_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Shown as its group's "Anonymous member" to everyone but its author and the node's
    # admins (``node.posts.anonymity``); ``anonymous_label`` numbers its author within the
    # thread ("Anonymous 2"), so a conversation can be followed and nothing more.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous_label: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # An anonymous post in a Kinfolk group on another node carries an opaque token per
    # writer and group (``federation.outbox.handlers.anonymous_posts``): on the writer's
    # node, the token sent; on the group's node, the one received, which numbers its
    # writer in the thread and which the group's moderators can ban. None otherwise.
    anonymous_token: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    # A member's check-in shared with the group (``node.checkins``): its scale, 1 to 5,
    # shown in words with a gentle look; sent as ``kinfolk:checkIn``. None: a plain post.
    check_in_scale: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class Reaction(Base):
    """Support sent to a post, by a member of this node or another.

    ``activity_uri`` is the id of the ``Like`` that carried it across nodes (ours once
    it is sent, or the one that reached us), so an ``Undo`` naming that Like finds it.
    """

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "actor_id", "kind", name="uq_reaction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReactionKind] = mapped_column(enum_column(ReactionKind, "reaction_kind"))
    activity_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
