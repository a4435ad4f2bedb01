"""How much waits in each part of the moderation queue, for its tabs: open rule reports,
open care reports, requests to join and held posts, as the viewer would list them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import PermissionDenied
from node.kinds import MembershipState, ReportKind, ReportState, Visibility
from node.reports.report_queue import moderated_group_ids
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from node.views import Viewer


@dataclass(frozen=True)
class QueueCounts:
    rule_reports: int
    care_reports: int
    joins: int
    held: int


async def queue_counts(session: AsyncSession, viewer: Viewer) -> QueueCounts:
    """What waits for ``viewer`` (node staff or a group's moderator) in each tab."""
    group_ids = await moderated_group_ids(session, viewer)
    if not group_ids and not viewer.is_node_staff:
        raise PermissionDenied("the moderation queue is for node staff and group moderators")
    worked: ColumnElement[bool] = true() if viewer.is_node_staff else Report.group_id.in_(group_ids)
    rows = await session.execute(
        select(Report.kind, func.count(Report.id))
        .where(worked, Report.state == ReportState.OPEN)
        .group_by(Report.kind)
    )
    reports = {kind: count for kind, count in rows}
    joins = await session.scalar(
        select(func.count(Membership.id)).where(
            Membership.group_id.in_(group_ids), Membership.state == MembershipState.PENDING
        )
    )
    shown: ColumnElement[bool] = Post.group_id.in_(group_ids)
    if viewer.is_node_staff:  # as ``held_posts.groups_with_held`` lists them
        member_of = select(Membership.group_id).where(
            Membership.member_id == viewer.actor_id,
            Membership.state == MembershipState.APPROVED,
        )
        staffed = (
            select(Group.id)
            .join(Actor, Actor.id == Group.actor_id)
            .where(
                Actor.local.is_(True),
                or_(Group.visibility == Visibility.PUBLIC, Group.id.in_(member_of)),
            )
        )
        shown = or_(shown, Post.group_id.in_(staffed))
    held = await session.scalar(
        select(func.count(Post.id)).where(
            shown,
            Post.held_at.is_not(None),
            Post.removed_at.is_(None),
            Post.deleted_at.is_(None),
        )
    )
    return QueueCounts(
        rule_reports=reports.get(ReportKind.RULE, 0),
        care_reports=reports.get(ReportKind.CARE, 0),
        joins=joins or 0,
        held=held or 0,
    )
