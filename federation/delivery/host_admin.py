"""An admin's look at the delivery queue, host by host: what waits, retrying it now,
dropping it.

Design note: the one service behind ``kinfolk delivery`` and the admin's host page
(``/admin/federation/hosts/{host}``). *Retry* closes the host's breaker (as
``mark_host_alive`` does for a host that signs to us), makes its queued rows due now and
puts back on the queue the rows that were given up on for want of an answer (retried,
then failed, or never sent as unreachable), from their first attempt; rows failed on
purpose (``federation.outbox.enqueue.ON_PURPOSE``: refused by policy, a suspended
sender, a deleted account, an admin's drop) stay failed. *Drop* fails every queued row
of the host with ``DROPPED_ERROR``: nothing is deleted, the rows stay for
``keep_failed`` with their reason, and it is logged. Both work a bounded batch at a time
and report progress, so a host with a long backlog shows it moving.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.destinations import host_of
from federation.delivery.waits import release_stranded
from federation.outbox.enqueue import DROPPED_ERROR, ON_PURPOSE, refused_hosts
from federation.tables import Delivery, Destination, OutgoingActivity, QueueState
from node.errors import Conflict, InvalidInput
from node.storage.models.actors import Actor

log = logging.getLogger("kinfolk.delivery")

BATCH = 1000  # rows changed per statement
Progress = Callable[[int, int], None]  # (done, total)
_HOST = re.compile(r"([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?|\[[0-9a-f:.]+\](:\d{1,5})?")


def parse_host(text: str) -> str:
    """A host as an admin writes it (``Example.org``, ``example.org:8443``, a URL), as the
    queue keys it: lower case, with the port unless it is the default."""
    try:
        host = host_of(text if "://" in text else f"https://{text}")
    except ValueError:
        raise InvalidInput(f"not a host: {text!r}", field="host") from None
    if not _HOST.fullmatch(host):
        raise InvalidInput(f"not a host: {text!r}", field="host")
    return host


@dataclass(frozen=True)
class HostCounts:
    host: str
    pending: int
    failed: int


@dataclass(frozen=True)
class HostHealth:
    """What the delivery worker knows of one host (a host never failing has no breaker)."""

    host: str
    breaker_open_until: datetime | None
    failing_since: datetime | None
    consecutive_failures: int
    unreachable_since: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    pending: int
    failed: int


@dataclass(frozen=True)
class QueuedDelivery:
    """One row of a host's queue, as an admin reads it."""

    id: int
    state: QueueState
    activity_type: str  # "Create", or "Announce Create" for a group's share of one
    object_uri: str | None  # the post (or other object) it is about
    actor_uri: str  # who sends it: a member, a group, the node
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None  # None once it failed
    last_error: str | None


@dataclass(frozen=True)
class QueuePage:
    items: list[QueuedDelivery]
    next_before: int | None  # the id to page on from, newest first


def _unfinished(state: QueueState | None) -> ColumnElement[bool]:
    if state is None:
        return Delivery.state != QueueState.DONE
    return Delivery.state == state


async def host_counts(
    session: AsyncSession, *, state: QueueState | None = None
) -> list[HostCounts]:
    """Every host with pending or failed deliveries (or only ``state``), most pending first."""
    counts: dict[str, dict[QueueState, int]] = {}
    rows = await session.execute(
        select(Delivery.host, Delivery.state, func.count())
        .where(_unfinished(state))
        .group_by(Delivery.host, Delivery.state)
    )
    for host, row_state, number in rows:
        counts.setdefault(host, {})[row_state] = number
    found = [
        HostCounts(host, c.get(QueueState.QUEUED, 0), c.get(QueueState.FAILED, 0))
        for host, c in counts.items()
    ]
    return sorted(found, key=lambda c: (-c.pending, -c.failed, c.host))


async def host_health(session: AsyncSession, host: str, now: datetime) -> HostHealth:
    """The host's breaker, failure streak and queue (all zero for a host never sent to)."""
    destination = await session.get(Destination, host)
    pending, failed = await _counts_of(session, host)
    last_error = await session.scalar(
        select(Delivery.last_error)
        .where(Delivery.host == host, Delivery.last_error.is_not(None))
        .where(Delivery.state != QueueState.DONE)
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    open_until = None if destination is None else destination.backoff_until
    return HostHealth(
        host=host,
        breaker_open_until=open_until if open_until is not None and open_until > now else None,
        failing_since=None if destination is None else destination.failing_since,
        consecutive_failures=0 if destination is None else destination.consecutive_failures,
        unreachable_since=None if destination is None else destination.unreachable_since,
        last_success_at=None if destination is None else destination.last_success_at,
        last_error=last_error,
        pending=pending,
        failed=failed,
    )


async def _counts_of(session: AsyncSession, host: str) -> tuple[int, int]:
    rows = await session.execute(
        select(Delivery.state, func.count())
        .where(Delivery.host == host, Delivery.state != QueueState.DONE)
        .group_by(Delivery.state)
    )
    counts: dict[QueueState, int] = {state: number for state, number in rows}
    return counts.get(QueueState.QUEUED, 0), counts.get(QueueState.FAILED, 0)


async def host_queue(
    session: AsyncSession,
    host: str,
    *,
    state: QueueState = QueueState.QUEUED,
    before: int | None = None,
    limit: int = 50,
) -> QueuePage:
    """A host's pending (or failed) deliveries, newest first, ``limit`` at a time."""
    query = (
        select(Delivery, OutgoingActivity.payload, Actor.uri)
        .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
        .join(Actor, Actor.id == OutgoingActivity.actor_id)
        .where(Delivery.host == host, Delivery.state == state)
        .order_by(Delivery.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Delivery.id < before)
    rows = (await session.execute(query)).all()
    items = [_queued(row, payload, actor) for row, payload, actor in rows[:limit]]
    return QueuePage(items, items[-1].id if len(rows) > limit else None)


def _queued(row: Delivery, payload: str, actor_uri: str) -> QueuedDelivery:
    return QueuedDelivery(
        id=row.id,
        state=row.state,
        activity_type=activity_type(payload),
        object_uri=row.object_uri,
        actor_uri=actor_uri,
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.state is QueueState.QUEUED else None,
        last_error=row.last_error,
    )


def activity_type(payload: str) -> str:
    """An activity's type, and for an ``Announce`` the type of what it shares."""
    try:
        activity = json.loads(payload)
    except ValueError:
        return "?"
    kind = str(activity.get("type", "?"))
    shared = activity.get("object")
    if kind == "Announce" and isinstance(shared, dict) and "type" in shared:
        return f"{kind} {shared['type']}"
    return kind


async def retry_host(
    session: AsyncSession, host: str, *, now: datetime, progress: Progress | None = None
) -> int:
    """Close the host's breaker and send what waits for it now, given-up rows included;
    how many rows were made due. Refused for a host federation policy refuses."""
    if await refused_hosts(session, {host}):
        raise Conflict(f"federation policy refuses {host}: nothing is sent there")
    await session.execute(
        update(Destination)
        .where(Destination.host == host)
        .values(
            consecutive_failures=0, failing_since=None, backoff_until=None, unreachable_since=None
        )
    )
    given_up = (
        Delivery.host == host,
        Delivery.state == QueueState.FAILED,
        Delivery.last_error.is_(None) | Delivery.last_error.not_in(ON_PURPOSE),
    )
    waiting = (Delivery.host == host, Delivery.state == QueueState.QUEUED)
    total = await _count(session, *given_up) + await _count(
        session, *waiting, Delivery.next_attempt_at > now
    )
    done = await _in_batches(
        session,
        select(Delivery.id).where(*waiting, Delivery.next_attempt_at > now),
        {"next_attempt_at": now},
        total,
        0,
        progress,
    )
    done = await _in_batches(
        session,
        select(Delivery.id).where(*given_up),
        {
            "state": QueueState.QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "finished_at": None,
            "after_id": None,
        },
        total,
        done,
        progress,
    )
    log.warning(
        "an admin retried %d deliveries to %s now; its breaker is closed",
        done,
        host,
        extra={"host": host, "retried": done},
    )
    return done


async def drop_host(
    session: AsyncSession, host: str, *, now: datetime, progress: Progress | None = None
) -> int:
    """Fail every queued delivery to the host as dropped by an admin (kept, with that
    reason, like any failed row); how many."""
    queued = (Delivery.host == host, Delivery.state == QueueState.QUEUED)
    total = await _count(session, *queued)
    values = {
        "state": QueueState.FAILED,
        "last_error": DROPPED_ERROR,
        "finished_at": now,
        "claimed_until": None,
    }
    done = await _in_batches(
        session, select(Delivery.id).where(*queued), values, total, 0, progress
    )
    await release_stranded(session)  # what waited for those rows goes on to other inboxes
    log.warning(
        "an admin dropped %d pending deliveries to %s",
        done,
        host,
        extra={"host": host, "dropped": done},
    )
    return done


async def _count(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    return await session.scalar(select(func.count()).select_from(Delivery).where(*where)) or 0


async def _in_batches(
    session: AsyncSession,
    chosen: Select[int],
    values: dict[str, object],
    total: int,
    done: int,
    progress: Progress | None,
) -> int:
    """Apply ``values`` to the rows ``chosen`` picks (which it no longer picks once they
    are changed), ``BATCH`` at a time; the running count."""
    while True:
        ids: Sequence[int] = (await session.scalars(chosen.limit(BATCH))).all()
        if not ids:
            return done
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(values)
            .execution_options(synchronize_session=False)
        )
        done += len(ids)
        if progress is not None:
            progress(done, max(total, done))
