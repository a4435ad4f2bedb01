"""Reports from other nodes: the ``Flag``s we read (the ones we send are
``federation.outbox.handlers.flags``).

Lemmy and Mbin send a member's Flag (actor: a Person; Lemmy's object is the post,
Mbin's ``[post, author]``), Mastodon and Kinfolk the node's (actor: an
Application; Mastodon's object is ``[account, post, …]``); the reason is in
``summary`` or ``content``. ``node.reports.receive_flag`` makes a report of each
thing named that is ours to moderate; a Flag about nothing of ours, one already
received, or one from a domain whose federation rule rejects reports is ignored
with a log line and no error for the sender. A Kinfolk node's care ``Flag`` (``care:
true``) is about our members only: ``node.reports.care`` makes a care report and sends
each a kind message; it carries no words. Lemmy's ``Resolve`` of a Flag (a
moderator closed it there) is not acted on: the report here is worked here.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import host_of
from node.federated import incoming_reports
from node.federated.actors import actor_named
from node.federation_policy.decision import decide
from node.federation_policy.storage import policy_for_hosts
from node.reports.remote_reports import known_report

log = logging.getLogger("kinfolk.flags")


async def on_flag(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A report from another node (see the module note)."""
    # The rules are read in this transaction (as queueing does), not through the policy
    # cache, which would need a second connection while this one is held.
    host = host_of(activity.actor)
    if decide(await policy_for_hosts(session, [host]), host).reject_reports:
        _ignored(activity, f"{host}: reports are rejected by federation policy")
        return
    if via is not None:
        _ignored(activity, "a report comes from its sender, not announced by a group")
        return
    if await known_report(session, activity.id):
        _ignored(activity, "this report reached us already")
        return
    reporter = await actor_named(session, activity.actor)
    if reporter is None or reporter.local:
        _ignored(activity, f"{activity.actor} could not be looked up")
        return
    targets = [activity.object_id, *activity.other_objects]
    if activity.care:
        made = await incoming_reports.care_reports_from_flag(
            session, uri=activity.id, reporter=reporter, targets=targets, now=fed.clock()
        )
    else:
        made = await incoming_reports.reports_from_flag(
            session,
            uri=activity.id,
            reporter=reporter,
            targets=targets,
            reason=activity.summary,
            now=fed.clock(),
        )
    if not made:
        _ignored(activity, "it names nothing this node moderates")
        return
    log.info("%s reported %s", reporter.uri, ", ".join(made))


def _ignored(activity: ActivityReading, reason: str) -> None:
    # Said as the inbox worker says it for the activities it ignores (``Ignored``).
    log.info("ignored %s: %s", activity.id, reason)
