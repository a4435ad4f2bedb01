"""Putting activities on the durable delivery queue, and clearing old ones out.

Design note: ``enqueue`` runs in the caller's transaction, so an activity is
queued if and only if the change that caused it commits: no "posted but never
sent" and no "sent but rolled back". The activity JSON is stored once
(``outgoing_activities``) and each distinct target inbox gets one ``deliveries``
row; the caller passes shared inboxes where actors have them and leaves out our
own node. A host already known to be unreachable gets its row as ``failed``
(nothing is sent; ``mark_host_alive`` resumes new work), and a host whose
breaker is open gets its row due when the breaker half-opens, so the worker
never scans rows it may not send. Hosts federation policy refuses get no row
at all, and ``drop_refused_deliveries`` fails what was queued before a change.

State transitions (``QueueState``): queued → done | failed, nothing else; a
queued row may wait for an earlier one about the same object
(``federation.delivery.waits``). ``purge_finished`` deletes finished rows once
they are past their retention.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.destinations import UNREACHABLE_ERROR, host_of
from federation.delivery.waits import last_queued, release_stranded
from federation.retention import past_keeping
from federation.tables import Delivery, Destination, OutgoingActivity, QueueState
from node.actors import actor_id_by_uri
from node.federation_policy.decision import decide
from node.federation_policy.storage import policy_for_hosts

log = logging.getLogger("kinfolk.delivery")

REFUSED_ERROR = "refused by federation policy"
SUSPENDED_ERROR = "its sender's account is suspended"
GONE_ERROR = "its account was deleted"
DROPPED_ERROR = "dropped by an admin"
# Rows failed on purpose, not for want of an answer: an admin's retry leaves them failed.
ON_PURPOSE = (REFUSED_ERROR, SUSPENDED_ERROR, GONE_ERROR, DROPPED_ERROR)
_DELIVERIES = cast(Table, Delivery.__table__)


async def enqueue(
    session: AsyncSession,
    *,
    actor_id: int,
    activity: dict[str, Any],
    inboxes: Iterable[str],
    object_uri: str | None,
    now: datetime,
) -> OutgoingActivity:
    """Store ``activity`` (signed later by ``actor_id``) and one delivery per distinct inbox."""
    uri = activity.get("id")
    if not isinstance(uri, str) or not uri:
        raise ValueError("an outgoing activity needs a string id")
    targets = {inbox: host_of(inbox) for inbox in dict.fromkeys(inboxes)}
    refused = await refused_hosts(session, set(targets.values()))
    if refused:
        # Federation policy: nothing goes to a suspended (or, in allowlist mode, unlisted) host.
        log.info(
            "not sending %s to hosts refused by federation policy: %s",
            uri,
            ", ".join(refused),
            extra={"activity": uri, "hosts": refused},
        )
        targets = {inbox: host for inbox, host in targets.items() if host not in refused}
    outgoing = OutgoingActivity(
        uri=uri,
        actor_id=actor_id,
        object_uri=object_uri,
        payload=json.dumps(activity, ensure_ascii=False, separators=(",", ":")),
        created_at=now,
    )
    session.add(outgoing)
    await session.flush()
    if not targets:
        return outgoing
    # Only the columns that decide a row's state: a group's post may go to thousands.
    known = await session.execute(
        select(Destination.host, Destination.unreachable_since, Destination.backoff_until).where(
            Destination.host.in_(set(targets.values()))
        )
    )
    hosts = {host: (unreachable, backoff) for host, unreachable, backoff in known}
    waits = await last_queued(session, object_uri) if object_uri is not None else {}
    rows = [
        _delivery_row(outgoing.id, inbox, host, object_uri, hosts.get(host), now)
        | {"after_id": waits.get(inbox)}
        for inbox, host in targets.items()
    ]
    await session.execute(insert(_DELIVERIES), rows)
    skipped = sorted({r["host"] for r in rows if r["state"] is QueueState.FAILED})
    if skipped:
        log.info(
            "not sending %s to unreachable hosts %s",
            uri,
            ", ".join(skipped),
            extra={"activity": uri, "hosts": skipped},
        )
    return outgoing


async def refused_hosts(session: AsyncSession, hosts: set[str]) -> list[str]:
    """The hosts among ``hosts`` that federation policy refuses, sorted."""
    if not hosts:
        return []
    policy = await policy_for_hosts(session, hosts)
    return sorted(host for host in hosts if not decide(policy, host).federates)


async def drop_refused_deliveries(session: AsyncSession, *, now: datetime) -> list[str]:
    """Fail the queued deliveries to hosts federation policy now refuses; returns the hosts."""
    hosts = set(
        await session.scalars(
            select(Delivery.host).where(Delivery.state == QueueState.QUEUED).distinct()
        )
    )
    refused = await refused_hosts(session, hosts)
    if refused:
        await session.execute(
            update(Delivery)
            .where(Delivery.state == QueueState.QUEUED, Delivery.host.in_(refused))
            .values(
                state=QueueState.FAILED,
                last_error=REFUSED_ERROR,
                finished_at=now,
                claimed_until=None,
            )
        )
    return refused


async def drop_deliveries_of(session: AsyncSession, actor_uri: str, *, now: datetime) -> int:
    """Fail the queued deliveries of one local actor's activities (a suspended account sends
    nothing more); returns how many."""
    actor_id = await actor_id_by_uri(session, actor_uri)
    dropped = 0
    if actor_id is not None:
        activities = select(OutgoingActivity.id).where(OutgoingActivity.actor_id == actor_id)
        result = await session.execute(
            update(Delivery)
            .where(Delivery.state == QueueState.QUEUED, Delivery.activity_id.in_(activities))
            .values(
                state=QueueState.FAILED,
                last_error=SUSPENDED_ERROR,
                finished_at=now,
                claimed_until=None,
            )
        )
        dropped = int(getattr(result, "rowcount", 0) or 0)
    # Others' activities about the same objects (a group's Announce of her post, a
    # moderator's Delete of it) may have been waiting for these rows.
    await release_stranded(session)
    return dropped


async def drop_deliveries_to(
    session: AsyncSession, inbox: str, *, reason: str, now: datetime
) -> int:
    """Fail what is queued for one inbox (an account's own, once it is gone); how many."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.host == host_of(inbox),  # indexed; the inbox narrows it down from there
            Delivery.inbox == inbox,
            Delivery.state == QueueState.QUEUED,
        )
        .values(state=QueueState.FAILED, last_error=reason, finished_at=now, claimed_until=None)
    )
    await release_stranded(session)  # what waited for those rows goes on to other inboxes
    return int(getattr(result, "rowcount", 0) or 0)


def _delivery_row(
    activity_id: int,
    inbox: str,
    host: str,
    object_uri: str | None,
    known: tuple[datetime | None, datetime | None] | None,
    now: datetime,
) -> dict[str, Any]:
    """One row; ``known`` is the host's (unreachable since, backoff until), if it has a row."""
    unreachable_since, backoff_until = known or (None, None)
    unreachable = unreachable_since is not None
    due = backoff_until if backoff_until is not None and backoff_until > now else now
    return {
        "activity_id": activity_id,
        "inbox": inbox,
        "host": host,
        "object_uri": object_uri,
        "state": QueueState.FAILED if unreachable else QueueState.QUEUED,
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": now,
        "last_error": UNREACHABLE_ERROR if unreachable else None,
        "finished_at": now if unreachable else None,
    }


async def purge_finished(
    session: AsyncSession, *, done_before: datetime, failed_before: datetime, limit: int = 2000
) -> int:
    """Delete up to ``limit`` finished deliveries past their retention, then activities
    left without any; how many deliveries (``federation.retention``: callers repeat
    while it is full)."""
    doomed = past_keeping(
        Delivery.id,
        Delivery.state,
        Delivery.finished_at,
        done_before=done_before,
        failed_before=failed_before,
        limit=limit,
    )
    result = await session.execute(
        delete(Delivery)
        .where(Delivery.id.in_(doomed.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    orphaned = (
        select(OutgoingActivity.id)
        .where(
            OutgoingActivity.created_at < done_before,
            ~exists().where(Delivery.activity_id == OutgoingActivity.id),
        )
        .limit(limit)
    )
    await session.execute(
        delete(OutgoingActivity)
        .where(OutgoingActivity.id.in_(orphaned.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
