"""Moderation: the log of moderators' acts, reports, and the node's code of conduct that
reports cite."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import ModAction, ReportKind, ReportState
from node.storage.models.base import Base, UTCDateTime, enum_column


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
    kind: Mapped[ReportKind] = mapped_column(
        enum_column(ReportKind, "report_kind"), default=ReportKind.RULE
    )
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
    # A care report: the moderator who said they would reach out to the member.
    reaching_out_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
