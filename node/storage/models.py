"""The schema, as SQLAlchemy 2 declarative models.

Design notes:

- One identity table, ``actors``, holds every member, group and (later) the
  instance actor, local or remote, keyed by its canonical URI (``uri``, the
  ActivityPub id). Local-only facts hang off it in side tables (``accounts`` for
  members who sign in here; ``groups`` for group settings, which remote groups
  also carry as far as their home node publishes them). Federation can add remote
  actors without a redesign: they are rows with ``local = false``.
- ``posts`` is likewise one table for every thread start and reply, local or
  remote, keyed by ``uri``. ``thread_id`` points at the thread start so a whole
  conversation is one indexed query; ``in_reply_to_id`` keeps the tree.
- Local handles are unique across members and groups (``uq_local_actor_handle``),
  so ``acct:name@domain`` always names exactly one actor here.
- Times are stored as UTC and always read back timezone-aware, on SQLite too.
- Integer primary keys stay internal; the API and URLs use ``public_id`` (a
  time-ordered random id) so counts and creation order of private content are not
  guessable from its address.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is stored in UTC and read back timezone-aware on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ActorKind(enum.StrEnum):
    PERSON = "person"
    GROUP = "group"
    APPLICATION = "application"


class NodeRole(enum.StrEnum):
    """A member's role on this node (not in a group)."""

    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class JoinPolicy(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class MembershipState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    BANNED = "banned"


class GroupRole(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"


class FollowState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class ModAction(enum.StrEnum):
    """What a moderator did, as the moderation log records it.

    Group actions carry the group; node actions (suspending an account, working a
    report that concerns no group) carry none.
    """

    REMOVE_POST = "remove_post"
    RESTORE_POST = "restore_post"
    LOCK_THREAD = "lock_thread"
    UNLOCK_THREAD = "unlock_thread"
    PIN = "pin"
    UNPIN = "unpin"
    BAN = "ban"
    UNBAN = "unban"
    APPROVE_MEMBER = "approve_member"
    REJECT_MEMBER = "reject_member"
    APPROVE_POST = "approve_post"
    REJECT_POST = "reject_post"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    RESOLVE_REPORT = "resolve_report"
    DISMISS_REPORT = "dismiss_report"


class ReportState(enum.StrEnum):
    OPEN = "open"
    # Acted on (the action itself is in the moderation log) ...
    RESOLVED = "resolved"
    # ... or looked at and left alone.
    DISMISSED = "dismissed"


class ReactionKind(enum.StrEnum):
    """Reactions are deliberately few and supportive: no dislikes in peer support."""

    SUPPORT = "support"


def enum_column(kind: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: adding a value later is a
    # small migration on both backends, unlike PostgreSQL's native enum types.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda k: [m.value for m in k],
    )


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
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class Group(Base):
    """Settings of a group actor, local or remote."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "group_visibility"))
    join_policy: Mapped[JoinPolicy] = mapped_column(enum_column(JoinPolicy, "group_join_policy"))
    default_content_warning: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    posting_restricted_to_moderators: Mapped[bool] = mapped_column(Boolean, default=False)
    # The public moderation log says "a moderator" instead of who (a group's choice).
    hide_moderator_names: Mapped[bool] = mapped_column(Boolean, default=False)
    # Pre-moderation: posts of members not yet trusted wait for a moderator's approval.
    hold_new_members_posts: Mapped[bool] = mapped_column(Boolean, default=False)


class GroupRule(Base):
    __tablename__ = "group_rules"
    __table_args__ = (UniqueConstraint("group_id", "position", name="uq_group_rule_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")


class RemoteModerator(Base):
    """Who moderates a group hosted elsewhere, as its node publishes it (its ``moderators``
    collection), in its order. Not memberships: it gives no powers here, it only says who
    keeps the group."""

    __tablename__ = "remote_moderators"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id", name="uq_membership"),
        Index("ix_membership_member", "member_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    state: Mapped[MembershipState] = mapped_column(enum_column(MembershipState, "membership_state"))
    role: Mapped[GroupRole] = mapped_column(enum_column(GroupRole, "group_role"))
    # Across nodes, joining is a Follow of the group: its id, to answer or undo it.
    follow_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    # A ban with an end: once past, the member may ask to join again.
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When a moderator first approved one of this member's held posts: from then on, in a
    # pre-moderated group, their posts go out at once.
    trusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Post(Base):
    """A thread start or a reply, local or remote."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_post_group_threads", "group_id", "in_reply_to_id", "published_at", "id"),
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


class ModerationEntry(Base):
    """One moderator action in a group hosted here: who, what, why, when.

    The target is kept by URI too, so an entry still says what it was about after the
    post or member row is gone.
    """

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_group", "group_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None for a node-level action (an account suspended, a report about no group).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), nullable=True
    )
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[ModAction] = mapped_column(enum_column(ModAction, "mod_action"))
    target_uri: Mapped[str] = mapped_column(String(2048))
    target_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), nullable=True
    )
    target_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NodeRule(Base):
    """One rule of the node's code of conduct, shown at sign-up, in order."""

    __tablename__ = "node_rules"
    __table_args__ = (UniqueConstraint("position", name="uq_node_rule_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")


class Report(Base):
    """A report of a post or a member: made here by a member, or arrived as a ``Flag``.

    It goes to the moderators of the group the content is in (when that group is hosted
    here) and to the node's moderators. ``reporter_id`` is the member who reported
    (local reports) or the actor that sent the ``Flag`` (often another node's instance
    actor, which keeps its member's identity at home). The target is kept by URI too,
    so a report still says what it was about after the post is gone.
    """

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_report_queue", "state", "created_at", "id"),
        Index("ix_report_group", "group_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The Flag's id: ours when the report was made here, the sender's otherwise.
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    local: Mapped[bool] = mapped_column(Boolean)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), nullable=True
    )
    target_uri: Mapped[str] = mapped_column(String(2048))
    target_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), nullable=True
    )
    target_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    group_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_rules.id", ondelete="SET NULL"), nullable=True
    )
    node_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("node_rules.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    # The reporter agreed that it be sent on (without their name) to the node the
    # content comes from; ``forwarded_at`` says when it was.
    forward: Mapped[bool] = mapped_column(Boolean, default=False)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState, "report_state"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FederationRule(Base):
    """The admin's rule for one domain (see ``node.federation_policy.decision``)."""

    __tablename__ = "federation_rules"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16), default="noop")
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    allow: Mapped[bool] = mapped_column(Boolean, default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")
    private_comment: Mapped[str] = mapped_column(Text, default="")
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NodeSetting(Base):
    """A setting the admin changes on a running node (the federation mode, …), by name."""

    __tablename__ = "node_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
