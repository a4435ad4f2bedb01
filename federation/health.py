"""How federation is doing, read from the database: queues, recent deliveries, failing hosts.

Design note: ``/metrics`` and the admin's health page both show this, and both
read it here, at the moment they are asked. The database is the one place that
knows what every process did (``serve`` and ``worker`` processes, on one machine
or several), and it already keeps every delivery's outcome (finished rows for a
week) and every host's failure streak, so counting rows there tells the truth
whichever process is scraped, and survives restarts, where a process-local
counter would see only its own sends. Hence deliveries by outcome are counts of
rows, not counters:

* delivered: sent and answered 2xx, finished in the last hour;
* failed: tried at least once, then given up (a final 4xx, too many attempts, or
  its host found unreachable meanwhile);
* dropped: failed without being sent (the host unreachable, refused by policy, its
  sender suspended);
* retrying: queued now after at least one failed attempt.

Every query reads an index (queued rows through the partial queue indexes,
finished rows through ``ix_delivery_finished``, a host's rows through its
``host`` index) or the small ``destinations`` table, and labels name at most
``HOST_LIMIT`` hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.tables import Delivery, Destination, InboxItem, QueueState

HOST_LIMIT = 50
RECENT = timedelta(hours=1)
OUTCOMES = ("delivered", "retrying", "failed", "dropped")
HOST_STATES = ("failing", "open", "unreachable")


@dataclass(frozen=True)
class QueueHealth:
    """How many items wait in a queue, and since when the oldest has."""

    depth: int
    oldest: datetime | None

    def oldest_age(self, now: datetime) -> float:
        """Seconds the oldest item has waited (0 for an empty queue)."""
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0


@dataclass(frozen=True)
class FailingHost:
    """A host whose last deliveries failed. ``state``: failing (still tried), open (the
    breaker holds its deliveries back until ``backoff_until``) or unreachable (its
    deliveries are dropped until it is seen alive)."""

    host: str
    state: str
    failing_since: datetime | None
    failures: int
    backoff_until: datetime | None
    pending: int


@dataclass(frozen=True)
class NodeHealth:
    now: datetime
    inbox: QueueHealth
    deliveries: QueueHealth
    outcomes: dict[str, int]  # each of OUTCOMES, in order: the last hour's, and retrying now
    hosts_by_state: dict[str, int]  # each of HOST_STATES, in order: how many hosts
    failing_hosts: list[FailingHost]  # at most HOST_LIMIT, unreachable ones last


async def node_health(session: AsyncSession, now: datetime) -> NodeHealth:
    """Queues, the last hour's deliveries and the failing hosts, as of ``now``."""
    queued_inbox = (
        await session.execute(
            select(func.count(), func.min(InboxItem.received_at)).where(
                InboxItem.state == QueueState.QUEUED
            )
        )
    ).one()
    queued = (
        await session.execute(
            select(
                func.count(),
                func.min(Delivery.created_at),
                func.coalesce(func.sum(case((Delivery.attempts > 0, 1), else_=0)), 0),
            ).where(Delivery.state == QueueState.QUEUED)
        )
    ).one()
    outcomes = dict.fromkeys(OUTCOMES, 0)
    outcomes["retrying"] = int(queued[2])
    outcomes.update(await _recent_outcomes(session, now))
    hosts_by_state = dict.fromkeys(HOST_STATES, 0)
    state = _host_state(now)
    for name, number in await session.execute(
        select(state, func.count()).where(_failing()).group_by(state)
    ):
        hosts_by_state[name] = number
    return NodeHealth(
        now=now,
        inbox=QueueHealth(queued_inbox[0], queued_inbox[1]),
        deliveries=QueueHealth(queued[0], queued[1]),
        outcomes=outcomes,
        hosts_by_state=hosts_by_state,
        failing_hosts=await _failing_hosts(session, now),
    )


async def _recent_outcomes(session: AsyncSession, now: datetime) -> dict[str, int]:
    sent = Delivery.attempts > 0
    rows = await session.execute(
        select(Delivery.state, sent, func.count())
        .where(Delivery.finished_at >= now - RECENT)
        .group_by(Delivery.state, sent)
    )
    counts: dict[str, int] = {}
    for row_state, was_sent, number in rows:
        if row_state == QueueState.DONE:
            outcome = "delivered"
        elif row_state == QueueState.FAILED:
            outcome = "failed" if was_sent else "dropped"
        else:
            continue
        counts[outcome] = counts.get(outcome, 0) + number
    return counts


def _failing() -> Any:
    return (Destination.consecutive_failures > 0) | Destination.unreachable_since.is_not(None)


def _host_state(now: datetime) -> Any:
    return case(
        (Destination.unreachable_since.is_not(None), "unreachable"),
        (Destination.backoff_until > now, "open"),
        else_="failing",
    )


async def _failing_hosts(session: AsyncSession, now: datetime) -> list[FailingHost]:
    state = _host_state(now)
    query: Select[Any] = (
        select(Destination, state)
        .where(_failing())
        .order_by(Destination.unreachable_since.is_not(None), Destination.failing_since)
        .limit(HOST_LIMIT)
    )
    destinations = [(row[0], row[1]) for row in await session.execute(query)]
    if not destinations:
        return []
    pending_rows = await session.execute(
        select(Delivery.host, func.count())
        .where(
            Delivery.host.in_([d.host for d, _ in destinations]),
            Delivery.state == QueueState.QUEUED,
        )
        .group_by(Delivery.host)
    )
    pending: dict[str, int] = {host: number for host, number in pending_rows}
    return [
        FailingHost(
            host=destination.host,
            state=host_state,
            failing_since=destination.failing_since,
            failures=destination.consecutive_failures,
            backoff_until=destination.backoff_until,
            pending=pending.get(destination.host, 0),
        )
        for destination, host_state in destinations
    ]
