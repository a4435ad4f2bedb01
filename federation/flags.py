"""Reports from other nodes: the ``Flag``s we read (the ones we send:
``federation.outbox.handlers.flags``).

Lemmy and Mbin send a member's Flag (actor: a Person; Lemmy's object
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
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.protocol.readings import Unsupported, read_activity
from federation.protocol.vocab import host_of
from node.actors import find_actor_by_uri
from node.federation_policy.decision import decide
from node.federation_policy.storage import policy_for_hosts
from node.reports import remote_reports

log = logging.getLogger("kinfolk.flags")


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
    if await remote_reports.known_report(session, reading.id):
        _ignored(activity, "this report reached us already")
        return
    reporter = await find_actor_by_uri(session, reading.actor)
    if reporter is None or reporter.local:
        _ignored(activity, f"{reading.actor} could not be looked up")
        return
    assert isinstance(reading.object, str)  # Flag's objects are references (inbound)
    targets = [reading.object, *reading.extras.get("objects", ())]
    made = await remote_reports.receive_flag(
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
