"""Groups: their settings (local or remote), rules, memberships, and who moderates a
group hosted elsewhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import GroupRole, JoinPolicy, MembershipState, Visibility
from node.storage.models.base import Base, UTCDateTime, enum_column


class Group(Base):
    """Settings of a group actor, local or remote."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "group_visibility"))
    join_policy: Mapped[JoinPolicy] = mapped_column(enum_column(JoinPolicy, "group_join_policy"))
    default_content_warning: Mapped[str] = mapped_column(String(500), default="")
    # Support topics a new post carries unless its author chooses (``node.topics``).
    default_topics: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    posting_restricted_to_moderators: Mapped[bool] = mapped_column(Boolean, default=False)
    # The public moderation log says "a moderator" instead of who (a group's choice).
    hide_moderator_names: Mapped[bool] = mapped_column(Boolean, default=False)
    # Pre-moderation: posts of members not yet trusted wait for a moderator's approval.
    hold_new_members_posts: Mapped[bool] = mapped_column(Boolean, default=False)
    # Members may post as "Anonymous member" (``node.posts.anonymity``): off by default.
    allow_anonymous_posts: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only members of this node and of trusted nodes may join (a private group's choice).
    trusted_nodes_only: Mapped[bool] = mapped_column(Boolean, default=False)


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
    # Banned from posting here as the writer of an anonymous post, by moderators who were
    # not told who (``node.posts.anonymous_moderation``): the membership looks unchanged to
    # them, so the ban names nobody.
    posting_banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AnonymousWriterBan(Base):
    """A ban of an anonymous post's writer from a group hosted here, when the writer is a
    member of another node: known here only by the token that node sent with the post
    (``node.federated.anonymous_posts``), so the ban is kept by token, and that node is
    told to enforce it too."""

    __tablename__ = "anonymous_writer_bans"
    __table_args__ = (UniqueConstraint("group_id", "token", name="uq_anonymous_writer_ban"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(128))
    banned_at: Mapped[datetime] = mapped_column(UTCDateTime())
