"""Claiming deliveries: due rows taken under a lease, in order, host by host.

Design note: a claimed row stays ``queued`` with ``claimed_until`` set; nobody
else claims it until that lease runs out, so a worker killed mid-batch loses
nothing and at most re-sends what it had in flight. The lease also moves the
row's due time to its end: rows in flight would otherwise stay first in due
order, and every claim would walk past all of them (a thousand, with a
thousand slots; on PostgreSQL each a heap fetch). If the worker dies, the row
falls due again exactly when its lease runs out. A claim first picks ids:
among the ``claim_window`` longest-due rows that are not leased, not waiting
for an earlier row about their object (``federation.delivery.waits``: Create
before Update before Delete, however many requests are in flight) and whose
host is neither in backoff nor saturated in this worker, the first
``max_per_host`` of each host (so one busy host cannot fill a batch); the window
keeps a claim's cost bounded when the queue is long (``_pick``). It then locks
those ids by primary key,
re-checking (in Python) that they are still due: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so concurrent workers never claim the same row; on SQLite the
engine opens every transaction with ``BEGIN IMMEDIATE``, which serialises
claims. The per-worker budgets (in flight per host, one probe per failing host,
the failing hosts' share) are applied in Python to that short list, and the
lease is set with ``UPDATE ... RETURNING``.

What happens after sending is recorded by ``federation.delivery.outcomes``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.config import DeliveryConfig
from federation.delivery.destinations import UNREACHABLE_ERROR
from federation.delivery.waits import queued, release_successors
from federation.signing.keystore import LocalKeys, local_keys
from federation.tables import Delivery, Destination, OutgoingActivity, QueueState

# Read-only: which local actor signs a claimed delivery.
from node.storage.models.actors import Actor

log = logging.getLogger("kinfolk.delivery")

_DELIVERIES = cast(Table, Delivery.__table__)
_COLUMNS = _DELIVERIES.c
_FIRST_WINDOW = 64  # rows a claim reads at least, before widening to the claim window
_BY_ID = itemgetter(0)  # sort rows by id: comparing whole Row objects cost ~1 ms a claim


@dataclass(frozen=True)
class Job:
    """A claimed delivery, with everything needed to send it."""

    id: int
    inbox: str
    host: str
    attempts: int  # counted attempts before this one
    activity_uri: str
    actor_id: int
    body: bytes
    standard: str | None  # the host's known signature standard
    suspect: bool  # the host has a failure streak (it gets probes only)


@dataclass
class InFlight:
    """What one worker has in flight, for the per-host and failing-host budgets."""

    per_host: Counter[str] = field(default_factory=Counter)
    suspect: int = 0
    suspect_hosts: set[str] = field(default_factory=set)
    # Requests unanswered after ``overtime_after`` (by row id): they hold no slot. A
    # host all of whose requests are in overtime gets nothing more until one is
    # answered (a far node answering after 0.6 s keeps its newer requests going).
    overtime: dict[int, str] = field(default_factory=dict)

    def add(self, job: Job) -> None:
        self.per_host[job.host] += 1
        self.suspect += job.suspect
        if job.suspect:
            self.suspect_hosts.add(job.host)

    def overdue(self, job: Job) -> None:
        self.overtime[job.id] = job.host

    def remove(self, job: Job) -> None:
        self.per_host[job.host] -= 1
        if self.per_host[job.host] <= 0:
            del self.per_host[job.host]
            self.suspect_hosts.discard(job.host)
        self.suspect -= job.suspect
        self.overtime.pop(job.id, None)

    def holding_slots(self) -> Counter[str]:
        """Requests that hold a slot (not in overtime), per host."""
        held = Counter(self.per_host)
        held.subtract(self.overtime.values())
        return +held

    def saturated(self, max_per_host: int) -> list[str]:
        """Hosts that can take nothing more from this worker right now."""
        overdue = Counter(self.overtime.values())
        return [
            host
            for host, count in self.per_host.items()
            if count >= max_per_host or host in self.suspect_hosts or overdue[host] >= count
        ]


@dataclass(frozen=True)
class Activity:
    uri: str
    actor_id: int
    body: bytes


@dataclass
class Cache:
    """What a worker keeps between claims: actors' keys, and activities (never changed)."""

    keys: dict[int, LocalKeys] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)
    max_activities: int = 1024

    def remember(self, activity_id: int, activity: Activity) -> None:
        if len(self.activities) >= self.max_activities:
            del self.activities[next(iter(self.activities))]  # the oldest
        self.activities[activity_id] = activity


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int,
    config: DeliveryConfig,
    in_flight: InFlight,
    cache: Cache,
) -> list[Job]:
    """Lease up to ``limit`` due rows, with what is needed to send them."""
    ids = await _pick(
        session,
        now=now,
        full=in_flight.saturated(config.max_per_host),
        window=config.claim_window,
        per_host=config.max_per_host,
        scan=2 * limit + config.max_per_host,
    )
    if not ids:
        return []
    # Locked by primary key in a second statement: planners then probe, not scan.
    candidates = await session.execute(_LOCK, {"ids": ids})
    chosen: dict[int, tuple[str | None, bool]] = {}
    unreachable: list[int] = []
    taken = Counter(in_flight.per_host)
    suspects = in_flight.suspect
    for (
        row_id,
        host,
        state,
        due_at,
        leased_until,
        failures,
        unreachable_since,
        standard,
    ) in candidates:
        if state != QueueState.QUEUED or due_at > now or (leased_until and leased_until >= now):
            continue  # claimed, recorded or rescheduled by another worker since it was picked
        if unreachable_since is not None:
            unreachable.append(row_id)
            continue
        suspect = bool(failures)
        if taken[host] >= (1 if suspect else config.max_per_host):
            continue
        if suspect and suspects >= config.suspect_slots:
            continue
        chosen[row_id] = (standard, suspect)
        taken[host] += 1
        suspects += suspect
        if len(chosen) >= limit:
            break
    if unreachable:
        await _fail_unreachable(session, unreachable, now)
    if not chosen:
        return []
    leased = await session.execute(_LEASE, {"ids": list(chosen), "until": now + config.lease})
    return await _jobs(session, sorted(leased.all(), key=_BY_ID), chosen, now, cache)


def _due(d: type[Delivery]) -> ColumnElement[bool]:
    now = bindparam("now", type_=_COLUMNS.next_attempt_at.type)
    return and_(
        d.state == queued(),
        d.after_id.is_(None),  # with the state, the due index's own condition
        d.next_attempt_at <= now,
        or_(d.claimed_until.is_(None), d.claimed_until < now),
    )


async def _pick(
    session: AsyncSession, *, now: datetime, full: list[str], window: int, per_host: int, scan: int
) -> list[int]:
    """Ids worth locking, in id order: among the longest-due sendable rows (not leased,
    not waiting, host neither in backoff nor saturated in this worker), at most
    ``per_host`` per host, ``scan`` in all.

    The rows are read in the due index's order, a few times ``scan`` first and, only if
    too few of those may go (busy hosts), up to ``window``: a claim's cost stays bounded
    however long the queue is. The ranking is done here, on short rows."""
    size = min(window, max(_FIRST_WINDOW, 2 * scan))
    while True:
        oldest = (await session.execute(_OLDEST, {"now": now, "full": full, "window": size})).all()
        ids = _sendable(oldest, per_host, scan)
        if len(ids) >= scan or len(oldest) < size or size >= window:
            return ids
        size = min(window, 4 * size)


def _sendable(oldest: Sequence[Row[int, str]], per_host: int, scan: int) -> list[int]:
    taken: Counter[str] = Counter()
    ids: list[int] = []
    for row_id, host in sorted(oldest, key=_BY_ID):
        if taken[host] >= per_host:
            continue
        taken[host] += 1
        ids.append(row_id)
        if len(ids) >= scan:
            break
    return ids


def _oldest() -> Select[int, str]:
    # Built once with bound parameters: constructing it costs more than running it.
    d = Delivery
    now = bindparam("now", type_=_COLUMNS.next_attempt_at.type)
    return (
        select(d.id, d.host)
        .outerjoin(Destination, Destination.host == d.host)
        .where(
            _due(d),
            or_(Destination.backoff_until.is_(None), Destination.backoff_until <= now),
            d.host.not_in(bindparam("full", expanding=True)),
        )
        .order_by(d.next_attempt_at)
        # A literal limit: a planner that knows it walks the due index instead of sorting.
        .limit(bindparam("window", type_=Integer, literal_execute=True))
    )


def _lock() -> Select[
    int, str, QueueState, datetime, datetime | None, int, datetime | None, str | None
]:
    """The picked rows, locked by primary key and nothing else. Whether each is still
    due is checked in Python: with the due condition in its WHERE, PostgreSQL without
    fresh statistics walked the whole due index to find them (20 ms instead of 1)."""
    d = Delivery
    return (
        select(
            d.id,
            d.host,
            d.state,
            d.next_attempt_at,
            d.claimed_until,
            Destination.consecutive_failures,
            Destination.unreachable_since,
            Destination.signature_standard,
        )
        .outerjoin(Destination, Destination.host == d.host)
        .where(d.id.in_(bindparam("ids", expanding=True)))
        .order_by(d.id)
        .with_for_update(of=d, skip_locked=True)
    )


_OLDEST = _oldest()
_LOCK = _lock()
_LEASE = (
    update(_DELIVERIES)
    .where(_COLUMNS.id.in_(bindparam("ids", expanding=True)))
    .values(
        claimed_until=bindparam("until", type_=_COLUMNS.claimed_until.type),
        next_attempt_at=bindparam("until", type_=_COLUMNS.next_attempt_at.type),
    )
    .returning(_COLUMNS.id, _COLUMNS.inbox, _COLUMNS.host, _COLUMNS.attempts, _COLUMNS.activity_id)
)


async def _jobs(
    session: AsyncSession,
    leased: Sequence[Row[int, str, str, int, int]],
    chosen: Mapping[int, tuple[str | None, bool]],
    now: datetime,
    cache: Cache,
) -> list[Job]:
    missing = {row.activity_id for row in leased} - cache.activities.keys()
    if missing:
        found = await session.execute(
            select(
                OutgoingActivity.id,
                OutgoingActivity.uri,
                OutgoingActivity.actor_id,
                OutgoingActivity.payload,
            ).where(OutgoingActivity.id.in_(missing))
        )
        for activity_id, uri, actor_id, payload in found:
            cache.remember(activity_id, Activity(uri, actor_id, payload.encode("utf-8")))
    activities = {row.activity_id: cache.activities[row.activity_id] for row in leased}
    for actor_id in {a.actor_id for a in activities.values()} - cache.keys.keys():
        actor = await session.get(Actor, actor_id)
        if actor is not None and actor.local:
            cache.keys[actor_id] = await local_keys(session, actor, now=now)
    jobs, keyless = [], []
    for row in leased:
        activity = activities[row.activity_id]
        if activity.actor_id not in cache.keys:
            keyless.append(row.id)
            continue
        standard, suspect = chosen[row.id]
        jobs.append(
            Job(
                id=row.id,
                inbox=row.inbox,
                host=row.host,
                attempts=row.attempts,
                activity_uri=activity.uri,
                actor_id=activity.actor_id,
                body=activity.body,
                standard=standard,
                suspect=suspect,
            )
        )
    if keyless:
        log.error("deliveries %s: their actor is not local; failed", keyless)
        await _finish(session, keyless, now, "the activity's actor has no local keys")
    return jobs


async def _fail_unreachable(session: AsyncSession, ids: list[int], now: datetime) -> None:
    log.info("%d deliveries to unreachable hosts failed without sending", len(ids))
    await _finish(session, ids, now, UNREACHABLE_ERROR)


async def _finish(session: AsyncSession, ids: list[int], now: datetime, error: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(state=QueueState.FAILED, finished_at=now, claimed_until=None, last_error=error)
        .execution_options(synchronize_session=False)
    )
    await release_successors(session, ids)
