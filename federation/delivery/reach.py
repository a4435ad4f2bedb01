"""Did a post arrive? Which other nodes its activities were sent to, and what became of them.

Design note: a post leaves as activities whose ``object_uri`` is the post (its ``Create``,
or its group's ``Announce`` of it; later its edits, support, pins). Deliveries about one
object go to each inbox in the order they were made (``federation.delivery.waits``), so a
node's *first* row about the post is the post itself arriving: that row alone says
whether the node has it (reached), is still being tried (sending, or retrying once an
attempt failed) or was given up on (failed: refused, unreachable, dropped by an admin).
One row per node, our own node never among them (``federation.outbox.enqueue``).

Finished rows are deleted after ``DeliveryConfig.keep_done`` (failed ones later), so the
status of an older post would be half known: it is kept for ``KEPT`` only, and callers
ask for younger posts alone.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.config import DeliveryConfig
from federation.tables import Delivery, OutgoingActivity, QueueState

# How long after a post its delivery status can be told (done rows are purged then).
KEPT = DeliveryConfig().keep_done


class HostState(enum.StrEnum):
    REACHED = "reached"
    SENDING = "sending"  # queued, not tried yet
    RETRYING = "retrying"  # queued, at least one attempt failed
    FAILED = "failed"  # given up on, or never sent (refused, unreachable, dropped)


@dataclass(frozen=True)
class HostReach:
    """One node a post was sent to: its state, and since when (sent, reached or failed)."""

    host: str
    state: HostState
    since: datetime


@dataclass(frozen=True)
class PostReach:
    """Where one post went, node by node (sorted: trouble first, then by host)."""

    hosts: tuple[HostReach, ...]

    def count(self, state: HostState) -> int:
        return sum(host.state is state for host in self.hosts)

    @property
    def reached(self) -> int:
        return self.count(HostState.REACHED)

    @property
    def retrying_since(self) -> datetime | None:
        """When the oldest delivery still being retried was first sent."""
        return min((h.since for h in self.hosts if h.state is HostState.RETRYING), default=None)


_ORDER = {HostState.RETRYING: 0, HostState.FAILED: 1, HostState.SENDING: 2, HostState.REACHED: 3}


def _state(state: QueueState, attempts: int) -> HostState:
    if state is QueueState.DONE:
        return HostState.REACHED
    if state is QueueState.FAILED:
        return HostState.FAILED
    return HostState.RETRYING if attempts else HostState.SENDING


async def reach_of(session: AsyncSession, post_uris: Collection[str]) -> dict[str, PostReach]:
    """Where each post went; posts sent to no other node are left out."""
    if not post_uris:
        return {}
    first = (
        select(func.min(Delivery.id).label("id"))
        .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
        .where(OutgoingActivity.object_uri.in_(post_uris))
        .group_by(OutgoingActivity.object_uri, Delivery.host)
        .subquery()
    )
    rows = await session.execute(
        select(
            Delivery.object_uri,
            Delivery.host,
            Delivery.state,
            Delivery.attempts,
            Delivery.created_at,
            Delivery.finished_at,
        ).join(first, first.c.id == Delivery.id)
    )
    found: dict[str, list[HostReach]] = {}
    for uri, host, state, attempts, created_at, finished_at in rows:
        if uri is None:
            continue
        found.setdefault(uri, []).append(
            HostReach(host, _state(state, attempts), finished_at or created_at)
        )
    return {
        uri: PostReach(tuple(sorted(hosts, key=lambda h: (_ORDER[h.state], h.host))))
        for uri, hosts in found.items()
    }
