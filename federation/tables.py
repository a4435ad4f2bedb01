"""Federation's own tables: keys, what we know of remote actors, the inbox queue,
the delivery outbox and per-host delivery state.

They share node's metadata (one schema, one migration history) but only
federation reads or writes them. Queue rows carry an explicit ``state`` with
few, documented transitions, a ``next_attempt_at`` and a lease
(``claimed_until``): a worker that dies mid-batch leaves leases that simply run
out, and the rows are claimed again, so nothing is lost.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime, enum_column


class KeyAlgorithm(enum.StrEnum):
    RSA = "rsa"
    ED25519 = "ed25519"


class ActorKey(Base):
    """A public key of an actor (local ones also keep the private half)."""

    __tablename__ = "actor_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    key_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    algorithm: Mapped[KeyAlgorithm] = mapped_column(enum_column(KeyAlgorithm, "key_algorithm"))
    public_pem: Mapped[str] = mapped_column(Text)
    private_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RemoteActor(Base):
    """The endpoints of a remote actor, as its last fetched document gave them."""

    __tablename__ = "remote_actors"

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    inbox: Mapped[str] = mapped_column(String(2048))
    shared_inbox: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    outbox: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    followers: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The account deleted itself (federation.inbox.account_deletion): the row stays as a
    # tombstone, so nothing more from it is accepted and nothing is sent to it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Its server holds conversations by consent (FEP-844e ``implements``): it is sent their
    # Accept, Reject and Leave (federation.outbox.handlers.conversations).
    holds_conversations: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class QueueState(enum.StrEnum):
    """queued → (claimed by a lease) → done | failed; failed rows are kept for admins."""

    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


PROCESSED = "processed_at IS NOT NULL"


class InboxItem(Base):
    """An accepted (verified, 202-answered) incoming activity awaiting processing."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        Index("ix_inbox_due", "state", "next_attempt_at"),
        # The retention purge's: processed items by age (federation.inbox.retention).
        Index(
            "ix_inbox_processed",
            "processed_at",
            postgresql_where=text(PROCESSED),
            sqlite_where=text(PROCESSED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: a second delivery of the same activity is acknowledged and dropped.
    activity_uri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_uri: Mapped[str] = mapped_column(String(2048))
    payload: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(2048))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[QueueState] = mapped_column(enum_column(QueueState, "inbox_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutgoingActivity(Base):
    """An activity we publish, signed at send time by ``actor_id``'s key."""

    __tablename__ = "outgoing_activities"
    # Whom a post's activities went to, for its author and moderators
    # (``federation.delivery.reach``): an activity's deliveries are found by its object.
    __table_args__ = (Index("ix_outgoing_object", "object_uri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    # Activities about one object go out in the order they were made (Create before
    # Update before Delete), even with several requests in flight per host.
    object_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


SENDABLE = "state = 'queued' AND after_id IS NULL"
WAITING = "state = 'queued' AND after_id IS NOT NULL"
FINISHED = "finished_at IS NOT NULL"


class Delivery(Base):
    """One activity to one inbox (a shared inbox stands for all its actors)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("activity_id", "inbox", name="uq_delivery"),
        # All partial, on queued rows only (finished rows stay a week; no claim reads
        # them). The due index holds what a claim may take, in due order: a row waiting
        # for an earlier one about the same object is left out until it is released,
        # so the claim never reads past rows it may not send. The next index finds an
        # object's last queued row per inbox (whom a new row waits for); the waiting
        # index, the rows a finished one releases.
        Index(
            "ix_delivery_due",
            "next_attempt_at",
            postgresql_where=text(SENDABLE),
            sqlite_where=text(SENDABLE),
        ),
        Index(
            "ix_delivery_next",
            "object_uri",
            "inbox",
            "id",
            postgresql_where=text("state = 'queued'"),
            sqlite_where=text("state = 'queued'"),
        ),
        Index(
            "ix_delivery_waiting",
            "after_id",
            postgresql_where=text(WAITING),
            sqlite_where=text(WAITING),
        ),
        # The purge's: finished rows by age, so it never scans the queue or the table.
        Index(
            "ix_delivery_finished",
            "finished_at",
            postgresql_where=text(FINISHED),
            sqlite_where=text(FINISHED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("outgoing_activities.id", ondelete="CASCADE"), index=True
    )
    inbox: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255), index=True)
    object_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # The queued row about the same object, to the same inbox, that must finish
    # first (Create before Update before Delete); None once it has.
    after_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[QueueState] = mapped_column(enum_column(QueueState, "delivery_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Destination(Base):
    """What we know about sending to one host: its failures, backoff and signature style."""

    __tablename__ = "destinations"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    backoff_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # "rfc9421" (RSA) or "ed25519" once the host accepted, advertised or signed with an
    # RFC 9421 signature, "cavage" once it refused one and took draft-cavage instead
    # (FEP-844e double-knocking); None: not yet known. See federation.delivery.destinations.
    signature_standard: Mapped[str | None] = mapped_column(String(16), nullable=True)


class GroupSync(Base):
    """Reading a group hosted elsewhere again, in the background (``federation.remote.backfill``):
    its actor and moderators, and, once one of our members joined it, its recent threads
    and pins. One row per group; a request while one is queued adds to it."""

    __tablename__ = "group_syncs"
    __table_args__ = (Index("ix_group_sync_due", "state", "next_attempt_at"),)

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[QueueState] = mapped_column(enum_column(QueueState, "group_sync_state"))
    # Back-fill threads and pins too (a member of ours was let in), not only the actor.
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When it was last asked for: a request arriving while a run is under way is kept.
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
