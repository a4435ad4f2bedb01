"""Actors and what hangs off them: every member and group, local or remote
(``actors``), the accounts of members who sign in here with their API tokens and refused
sign-ins, and follows between members."""

from __future__ import annotations

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

from node.kinds import ActorKind, ContactPolicy, FollowState, NodeRole
from node.storage.models.base import Base, UTCDateTime, enum_column


class Actor(Base):
    __tablename__ = "actors"
    __table_args__ = (
        # Local handles are unique across members and groups (WebFinger is never
        # ambiguous here); remote servers may reuse a name for a user and a
        # community (Lemmy does), so for them the URI alone is the identity.
        Index(
            "uq_local_actor_handle",
            "domain",
            "handle_key",
            unique=True,
            sqlite_where=text("local"),
            postgresql_where=text("local"),
        ),
        Index("ix_actor_handle", "domain", "handle_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[ActorKind] = mapped_column(enum_column(ActorKind, "actor_kind"))
    local: Mapped[bool] = mapped_column(Boolean, index=True)
    handle: Mapped[str] = mapped_column(String(255))
    # Case-folded handle: ``@Ana`` and ``@ana`` are one person, as in WebFinger.
    handle_key: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # A remote actor whose node reads care reports (another Kinfolk node says so on its
    # actors): only such a node is sent one (node.reports.care).
    reads_care_reports: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Account(Base):
    """A member who signs in on this node."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[NodeRole] = mapped_column(
        enum_column(NodeRole, "node_role"), default=NodeRole.MEMBER
    )
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Where the member wants crisis resources for (ISO 3166 alpha-2; empty: not said).
    # Their own choice, never guessed from their address.
    crisis_country: Mapped[str] = mapped_column(String(2), default="")
    # Who may ask this member for a conversation (``node.boundaries.checks.may_ask``).
    contact_policy: Mapped[ContactPolicy] = mapped_column(
        enum_column(ContactPolicy, "contact_policy"),
        default=ContactPolicy.SHARED_GROUPS,
        server_default=ContactPolicy.SHARED_GROUPS.value,
    )
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The member deleted their account (``node.account_deletion``): the row stays, so
    # the name is never reused and tombstones, reports and the log still name it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no sessions."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInFailure(Base):
    """A refused sign-in, counted against one key (its username, or its visitor's address).

    The key is kept only as an HMAC under the node's secret: the table says how often
    something was guessed at, not who or from where. Rows older than the throttle's
    window are deleted as new ones arrive (``node.sign_in``).
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failure_key", "key_hash", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Follow(Base):
    """One actor following another (members following members; groups use memberships).

    ``activity_uri`` is the id of the request that created it, local or remote, so a
    later acceptance or withdrawal that names the request finds it.
    """

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("follower_id", "followee_id", name="uq_follow"),
        Index("ix_follow_followee", "followee_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    state: Mapped[FollowState] = mapped_column(enum_column(FollowState, "follow_state"))
    activity_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
