"""Reports across nodes: the ``Flag`` we send, and the ones we read.

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

Incoming. Lemmy and Mbin send a member's Flag (actor: a Person; Lemmy's object
is the post, Mbin's ``[post, author]``), Mastodon and Kinfolk the node's (actor:
an Application; Mastodon's object is ``[account, post, …]``); the reason is in
``summary`` or ``content``. ``node.reports.receive_flag`` makes a report of each
thing named that is ours to moderate; a Flag about nothing of ours, one already
received, or one from a domain whose federation rule rejects reports is ignored
with a log line and no error for the sender. Lemmy's ``Resolve`` of a Flag (a
moderator closed it there) is not acted on: the report here is worked here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.delivery.destinations import host_of as delivery_host
from federation.outbox.enqueue import enqueue
from federation.protocol.readings import Unsupported, read_activity
from federation.protocol.vocab import AS_CONTEXT, host_of
from federation.signing.instance import instance_actor
from federation.tables import RemoteActor
from node import reports
from node.actors import find_actor_by_uri
from node.federation_policy import decide
from node.federation_rules import policy_for_hosts
from node.site import Site
from node.storage.models import Actor, Event, Group, GroupRule, NodeRule, Post, Report

log = logging.getLogger("kinfolk.flags")


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


async def on_flag(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """A report from another node (see the module note)."""
    try:
        reading = read_activity(activity)
    except Unsupported as exc:
        _ignored(activity, str(exc))
        return
    # The rules are read in this transaction (as queueing does), not through the policy
    # cache, which would need a second connection while this one is held.
    host = host_of(reading.actor)
    if decide(await policy_for_hosts(session, [host]), host).reject_reports:
        _ignored(activity, f"{host_of(reading.actor)}: reports are rejected by federation policy")
        return
    if via is not None:
        _ignored(activity, "a report comes from its sender, not announced by a group")
        return
    if await reports.known_report(session, reading.id):
        _ignored(activity, "this report reached us already")
        return
    reporter = await find_actor_by_uri(session, reading.actor)
    if reporter is None or reporter.local:
        _ignored(activity, f"{reading.actor} could not be looked up")
        return
    assert isinstance(reading.object, str)  # Flag's objects are references (inbound)
    targets = [reading.object, *reading.other_objects]
    made = await reports.receive_flag(
        session,
        uri=reading.id,
        reporter=reporter,
        targets=targets,
        reason=reading.summary,
        now=fed.clock(),
    )
    if not made:
        _ignored(activity, "it names nothing this node moderates")
        return
    log.info("%s reported %s", reporter.uri, ", ".join(r.target_uri for r in made))


def _ignored(activity: dict[str, Any], reason: str) -> None:
    # Said as ``processing`` says it for the activities it ignores (``Ignored``).
    log.info("ignored %s: %s", activity.get("id"), reason)
