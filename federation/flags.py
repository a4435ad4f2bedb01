"""Reports across nodes: the ``Flag`` we send.

Outgoing. A report made here (``node.reports``) about a post in a group hosted
on another node always goes to that group's inbox: the group is moderated on its
own node, as Lemmy's communities are. If the reporter agreed (``forward``), it
also goes to the shared inbox of the node of the post's author or of the member
reported, when that is yet another node. The Flag is the node's own, sent by its
instance actor (an ``Application``), so the reporter's name never leaves this
node (Mastodon's way); it is shaped as Mastodon and Mbin send theirs, which Lemmy
reads too::

    {"type": "Flag", "id": "{base}/reports/{id}", "actor": "{base}/actor",
     "object": [post, author] (or [member]), "content": reason, "summary": reason,
     "to": [group] (or [member]), "cc": [author] (when forwarded), "audience": group}

The reason carries the cited rule's title, since the rule's id means nothing
elsewhere. It is queued on the durable outbox in the dispatcher's transaction,
and the report marked ``forwarded_at``.

The Flags we read are ``federation.inbox.handlers.flags``'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.destinations import host_of as delivery_host
from federation.outbox.enqueue import enqueue
from federation.protocol.vocab import AS_CONTEXT
from federation.signing.instance import instance_actor
from federation.tables import RemoteActor
from node.site import Site
from node.storage.models import Actor, Event, Group, GroupRule, NodeRule, Post, Report


def flag_activity(
    *,
    uri: str,
    actor_uri: str,
    objects: list[str],
    reason: str,
    to: str,
    audience: str | None = None,
    cc: list[str] | None = None,
) -> dict[str, Any]:
    """A Flag as we send it (see the module note)."""
    flag: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": uri,
        "type": "Flag",
        "actor": actor_uri,
        "object": objects,
        "content": reason,
        "summary": reason,
        "to": [to],
    }
    if cc:
        flag["cc"] = cc
    if audience is not None:
        flag["audience"] = audience
    return flag


def reason_with_rule(reason: str, rule_title: str | None) -> str:
    """The reason as another node reads it: with the cited rule's title, if any."""
    if not rule_title:
        return reason
    return f"{reason}\n\nRule: {rule_title}" if reason else f"Rule: {rule_title}"


async def _inbox(session: AsyncSession, actor: Actor, *, shared: bool) -> str | None:
    remote = await session.get(RemoteActor, actor.id)
    if remote is None:
        return None
    return (remote.shared_inbox or remote.inbox) if shared else remote.inbox


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


async def send_flag(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    """Dispatch a report made here: its Flag to the group's node and, if the reporter agreed,
    to the author's (or reported member's) node."""
    report = await session.get(Report, event.subject_id)
    if report is None or not report.local or report.target_actor_id is None:
        return
    target = await session.get(Actor, report.target_actor_id)
    if target is None:
        return
    group_actor = None
    if report.group_id is not None:
        group = await session.get_one(Group, report.group_id)
        group_actor = await session.get_one(Actor, group.actor_id)
    inboxes: list[str] = []
    if group_actor is not None and not group_actor.local:
        group_inbox = await _inbox(session, group_actor, shared=False)
        if group_inbox is not None:
            inboxes.append(group_inbox)
    if report.forward and not target.local:
        own = await _inbox(session, target, shared=True)
        # The group's node is told already when the author is on it too.
        if own is not None and delivery_host(own) not in {delivery_host(i) for i in inboxes}:
            inboxes.append(own)
    if not inboxes:
        return
    post = None if report.target_post_id is None else await session.get(Post, report.target_post_id)
    objects = [report.target_uri] if post is None else [post.uri, target.uri]
    instance = await instance_actor(session, site, now=now)
    text = reason_with_rule(report.reason, await _rule_title(session, report))
    # To the group elsewhere (Lemmy, Mbin), else to the member reported (Mastodon).
    group_elsewhere = group_actor is not None and not group_actor.local
    flag = flag_activity(
        uri=report.uri,
        actor_uri=instance.uri,
        objects=objects,
        reason=text,
        to=group_actor.uri if group_actor is not None and group_elsewhere else target.uri,
        audience=None if group_actor is None else group_actor.uri,
        cc=[target.uri] if group_elsewhere and report.forward and not target.local else None,
    )
    await enqueue(
        session,
        actor_id=instance.id,
        activity=flag,
        inboxes=inboxes,
        object_uri=report.target_uri,
        now=now,
    )
    report.forwarded_at = now
