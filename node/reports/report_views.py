"""Reports as their viewers may see them: whole for those who work them (the reporter
for node staff only), what they sent and its state for the member who reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.actors import actor_ref
from node.kinds import ReportKind, ReportState
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, GroupRule
from node.storage.models.moderation import NodeRule, Report
from node.storage.models.posts import Post
from node.suspensions import deleted_among
from node.views import ActorRef, Viewer


@dataclass(frozen=True)
class CitedRule:
    """A rule a report cites (None once the rule is deleted)."""

    id: int
    title: str


@dataclass(frozen=True)
class ReportView:
    """A report as its viewer may see it. Node staff and the group's moderators see it
    whole (the reporter for staff only); the member who reported sees what they sent and
    its state (``full`` False: no note, no moderator)."""

    public_id: str
    kind: ReportKind
    state: ReportState
    local: bool
    target_uri: str
    # The post reported (its public id), if this node holds it.
    post: str | None
    # The member reported, or the post's author.
    target_actor: ActorRef | None
    # The group the post is in (hosted here or not).
    group: ActorRef | None
    reporter: ActorRef | None
    group_rule: CitedRule | None
    node_rule: CitedRule | None
    reason: str
    forward: bool
    forwarded_at: datetime | None
    # A care report: the moderator who said they would reach out (for moderators).
    reaching_out: ActorRef | None
    resolution: str
    resolved_by: ActorRef | None
    resolved_at: datetime | None
    created_at: datetime
    full: bool
    # The reporter deleted their account since: the report stays, for moderators to finish.
    reporter_deleted: bool = False


async def views_of(
    session: AsyncSession, viewer: Viewer, reports: Sequence[Report], *, full: bool
) -> list[ReportView]:
    """Views for a page of reports, with related rows fetched in a few batched queries."""
    if not reports:
        return []
    group_ids = {r.group_id for r in reports if r.group_id is not None}
    groups = {
        g.id: g.actor_id
        for g in await session.scalars(select(Group).where(Group.id.in_(group_ids)))
    }
    actor_ids = {
        *groups.values(),
        *(r.target_actor_id for r in reports),
        *(r.reporter_id for r in reports),
        *(r.resolved_by_id for r in reports),
        *(r.reaching_out_id for r in reports),
    }
    actor_ids.discard(None)
    actors = {
        a.id: actor_ref(a)
        for a in await session.scalars(select(Actor).where(Actor.id.in_(actor_ids)))
    }
    post_ids = {r.target_post_id for r in reports if r.target_post_id is not None}
    rows = await session.execute(select(Post.id, Post.public_id).where(Post.id.in_(post_ids)))
    public_ids = {post_id: public_id for post_id, public_id in rows}
    group_rules = await _titles(session, GroupRule, {r.group_rule_id for r in reports})
    node_rules = await _titles(session, NodeRule, {r.node_rule_id for r in reports})
    show_reporter = full and permissions.can_see_reporter(viewer)
    gone = await deleted_among(session, (r.reporter_id for r in reports))

    def actor(actor_id: int | None) -> ActorRef | None:
        return None if actor_id is None else actors.get(actor_id)

    return [
        ReportView(
            public_id=r.public_id,
            kind=r.kind,
            state=r.state,
            local=r.local,
            target_uri=r.target_uri,
            post=public_ids.get(r.target_post_id) if r.target_post_id is not None else None,
            target_actor=actor(r.target_actor_id),
            group=actor(groups.get(r.group_id)) if r.group_id is not None else None,
            reporter=actor(r.reporter_id) if show_reporter else None,
            group_rule=group_rules.get(r.group_rule_id) if r.group_rule_id else None,
            node_rule=node_rules.get(r.node_rule_id) if r.node_rule_id else None,
            reason=r.reason,
            forward=r.forward,
            forwarded_at=r.forwarded_at,
            reaching_out=actor(r.reaching_out_id) if full else None,
            resolution=r.resolution if full else "",
            resolved_by=actor(r.resolved_by_id) if full else None,
            resolved_at=r.resolved_at,
            created_at=r.created_at,
            full=full,
            reporter_deleted=show_reporter and r.reporter_id in gone,
        )
        for r in reports
    ]


async def _titles(
    session: AsyncSession, model: type[GroupRule] | type[NodeRule], ids: set[int | None]
) -> dict[int, CitedRule]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.title).where(model.id.in_(wanted)))
    return {rule_id: CitedRule(rule_id, title) for rule_id, title in rows}
