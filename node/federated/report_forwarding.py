"""A report made here, as it is sent on to the nodes the reported content comes from.

What goes is the node's word, never the reporter's name: what was reported (the
member, and the post if any), the group it is in, the reason with the title of the
rule it cites (a rule's id means nothing elsewhere), and whether the reporter
agreed that it go to the author's node too. The report notes when it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor, find_actor_by_id, group_by_id
from node.kinds import ReportKind
from node.storage.models.groups import GroupRule
from node.storage.models.moderation import NodeRule, Report
from node.storage.models.posts import Post


@dataclass(frozen=True)
class ReportToForward:
    id: int
    uri: str
    target_uri: str
    # The member reported, or the author of the post reported.
    target: KnownActor
    post_uri: str | None
    # The actor of the group the post is in, if any.
    group: KnownActor | None
    reason: str
    rule_title: str | None
    # The reporter agreed that it go to the author's (or member's) node too.
    forward: bool
    # A care report: it goes to the member's node alone, without words (node.reports.care).
    care: bool


async def report_to_forward(session: AsyncSession, report_id: int) -> ReportToForward | None:
    """Report ``report_id`` if it was made here about someone we know, else None."""
    report = await session.get(Report, report_id)
    if report is None or not report.local:
        return None
    target = await find_actor_by_id(session, report.target_actor_id)
    if target is None:
        return None
    group = None if report.group_id is None else await group_by_id(session, report.group_id)
    post = None if report.target_post_id is None else await session.get(Post, report.target_post_id)
    return ReportToForward(
        id=report.id,
        uri=report.uri,
        target_uri=report.target_uri,
        target=target,
        post_uri=None if post is None else post.uri,
        group=None if group is None else group.actor,
        reason=report.reason,
        rule_title=await _rule_title(session, report),
        forward=report.forward,
        care=report.kind is ReportKind.CARE,
    )


async def _rule_title(session: AsyncSession, report: Report) -> str | None:
    if report.group_rule_id is not None:
        rule = await session.get(GroupRule, report.group_rule_id)
        if rule is not None:
            return rule.title
    if report.node_rule_id is not None:
        node_rule = await session.get(NodeRule, report.node_rule_id)
        if node_rule is not None:
            return node_rule.title
    return None


async def mark_forwarded(session: AsyncSession, report_id: int, *, now: datetime) -> None:
    """Note that report ``report_id`` was sent on."""
    (await session.get_one(Report, report_id)).forwarded_at = now
