"""Filing a report: a member reports a post or a member, saying why or citing a rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions, rules
from node.actors import find_actor, split_acct
from node.errors import Conflict, InvalidInput
from node.events import EventKind
from node.events import record as record_event
from node.handles import check_length
from node.ids import new_public_id
from node.kinds import ActorKind, ReportKind, ReportState
from node.posts import anonymity
from node.posts.visibility import load_post
from node.reports.report_views import ReportView, views_of
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import GroupRule
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from node.views import Viewer

REASON_MAX = 1000


def _clean_reason(reason: str, cites_rule: bool) -> str:
    reason = check_length(reason.strip(), REASON_MAX, "reason")
    if not reason and not cites_rule:
        raise InvalidInput("say what is wrong, or cite a rule it breaks", field="reason")
    return reason


async def refuse_repeat(
    session: AsyncSession, viewer: Viewer, target_uri: str, kind: ReportKind = ReportKind.RULE
) -> None:
    """Refuse a second open report of this kind by ``viewer`` about the same thing."""
    open_one = await session.scalar(
        select(Report.public_id).where(
            Report.reporter_id == viewer.actor_id,
            Report.target_uri == target_uri,
            Report.kind == kind,
            Report.state == ReportState.OPEN,
        )
    )
    if open_one is not None:
        raise Conflict(f"you reported this already (report {open_one}), and it is still open")


async def file_report(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    *,
    post_id: str | None = None,
    acct: str | None = None,
    reason: str,
    group_rule_id: int | None = None,
    node_rule_id: int | None = None,
    forward: bool = False,
    now: datetime,
) -> ReportView:
    """Report a post (by its public id) or a member (by acct), saying why and optionally
    citing a rule; ``forward``: the reporter agrees that it be sent on, without their
    name, to the node the post's author or the member belongs to."""
    if (post_id is None) == (acct is None):
        raise InvalidInput("report either a post (post_id) or a member (acct)", field="post_id")
    node_rule = None if node_rule_id is None else await rules.node_rule(session, node_rule_id)
    group_rule: GroupRule | None = None
    post: Post | None = None
    group_id: int | None = None
    travels = False
    if post_id is not None:
        post, record = await load_post(session, viewer, post_id)
        if post.deleted_at is not None or post.removed_at is not None:
            raise Conflict("this post was deleted or removed already")
        target = await session.get_one(Actor, post.author_id)
        permissions.require_can_report(viewer, target.id)
        if group_rule_id is not None:
            group_rule = await rules.group_rule(session, post.group_id, group_rule_id)
        target_uri, group_id = post.uri, post.group_id
        travels = not record.actor.local
    else:
        assert acct is not None
        if group_rule_id is not None:
            raise InvalidInput(
                "only a report about a post cites its group's rule", field="group_rule_id"
            )
        handle, domain = split_acct(acct, site.domain)
        target = await find_actor(session, handle, domain, ActorKind.PERSON)
        permissions.require_can_report(viewer, target.id)
        target_uri = target.uri
    travels = travels or (forward and not target.local)
    clean = _clean_reason(reason, group_rule is not None or node_rule is not None)
    await refuse_repeat(session, viewer, target_uri)
    public_id = new_public_id(now)
    report = Report(
        public_id=public_id,
        uri=site.report_uri(public_id),
        local=True,
        reporter_id=viewer.actor_id,
        group_id=group_id,
        target_uri=target_uri,
        target_post_id=None if post is None else post.id,
        # An anonymous post's author stays unnamed to the moderators who read reports.
        target_actor_id=target.id if post is None else anonymity.logged_author_id(post),
        group_rule_id=None if group_rule is None else group_rule.id,
        node_rule_id=None if node_rule is None else node_rule.id,
        reason=clean,
        forward=forward,
        state=ReportState.OPEN,
        resolution="",
        created_at=now,
    )
    session.add(report)
    await session.flush()
    if travels:
        await record_event(
            session,
            EventKind.REPORT_FILED,
            actor_id=viewer.actor_id,
            subject_id=report.id,
            now=now,
        )
    return (await views_of(session, viewer, [report], full=True))[0]
