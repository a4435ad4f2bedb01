"""Reports made here, sent on as the node's ``Flag``.

A report about a post in a group hosted on another node always goes to that
group's inbox: the group is moderated on its own node, as Lemmy's communities are.
If the reporter agreed (``forward``), it also goes to the shared inbox of the node
of the post's author or of the member reported, when that is yet another node. The
Flag is the node's own, sent by its instance actor (an ``Application``), so the
reporter's name never leaves this node (Mastodon's way); its shape is
``protocol.activities.flag``. The report notes when it was sent.

A care report ("I'm worried about this person") goes only to the member's own node,
and only when that node reads care reports (another Kinfolk node): a ``Flag`` with
``care: true`` and no words (``protocol.activities.care_flag``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.destinations import host_of
from federation.outbox.sending import send
from federation.protocol import activities
from federation.protocol.vocab import AS_CONTEXT, CARE_FLAG_CONTEXT
from federation.signing.instance import instance_actor
from federation.tables import RemoteActor
from node.events import PendingEvent
from node.federated.actors import KnownActor, known
from node.federated.report_forwarding import ReportToForward, mark_forwarded, report_to_forward
from node.site import Site


async def _inbox(session: AsyncSession, actor: KnownActor, *, shared: bool) -> str | None:
    remote = await session.get(RemoteActor, actor.id)
    if remote is None:
        return None
    return (remote.shared_inbox or remote.inbox) if shared else remote.inbox


async def send_flag(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """A report made here: its Flag to the group's node and, if the reporter agreed, to the
    author's (or reported member's) node."""
    assert event.subject_id is not None
    report = await report_to_forward(session, event.subject_id)
    if report is None:
        return
    if report.care:
        await _send_care_flag(session, site, report, now)
        return
    target, group = report.target, report.group
    # To the group elsewhere (Lemmy, Mbin), else to the member reported (Mastodon).
    group_elsewhere = group is not None and not group.local
    inboxes: list[str] = []
    if group is not None and group_elsewhere:
        group_inbox = await _inbox(session, group, shared=False)
        if group_inbox is not None:
            inboxes.append(group_inbox)
    if report.forward and not target.local:
        own = await _inbox(session, target, shared=True)
        # The group's node is told already when the author is on it too.
        if own is not None and host_of(own) not in {host_of(i) for i in inboxes}:
            inboxes.append(own)
    if not inboxes:
        return
    instance = known(await instance_actor(session, site, now=now))
    flag = activities.flag(
        report.uri,
        instance.uri,
        [report.target_uri] if report.post_uri is None else [report.post_uri, target.uri],
        activities.reason_with_rule(report.reason, report.rule_title),
        to=group.uri if group is not None and group_elsewhere else target.uri,
        audience=None if group is None else group.uri,
        cc=[target.uri] if group_elsewhere and report.forward and not target.local else None,
    )
    await send(
        session,
        actor=instance,
        activity=flag,
        inboxes=inboxes,
        object_uri=report.target_uri,
        now=now,
        context=AS_CONTEXT,
    )
    await mark_forwarded(session, report.id, now=now)


async def _send_care_flag(
    session: AsyncSession, site: Site, report: ReportToForward, now: datetime
) -> None:
    """A care report, to the member's own node alone (it reads care reports: the domain
    sends none elsewhere), with no words: its node sends the member a kind message."""
    inbox = await _inbox(session, report.target, shared=True)
    if inbox is None:
        return
    instance = known(await instance_actor(session, site, now=now))
    member = report.target.uri
    objects = [member] if report.post_uri is None else [report.post_uri, member]
    flag = activities.care_flag(report.uri, instance.uri, objects, to=member)
    await send(
        session,
        actor=instance,
        activity=flag,
        inboxes=[inbox],
        object_uri=report.target_uri,
        now=now,
        context=CARE_FLAG_CONTEXT,
    )
    await mark_forwarded(session, report.id, now=now)
