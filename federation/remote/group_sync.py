"""The queue of groups elsewhere to read again: requests, claims, outcomes.

Reading a group hosted elsewhere again (its actor, its moderators and, once one
of our members was let in, its recent threads and pins: ``federation.remote.backfill``)
takes many requests to a node that may be slow, so it never runs where it was
asked for. It is asked for in the transaction that learnt the reason (the
``Accept`` of a join, an ``Update`` of the group, a look-up), as a row here: so
accepted work survives a crash, and a worker that dies mid-run leaves a lease
that runs out and the row is taken up again. One row per group: a request while
one waits adds to it; one that arrives during a run is kept for another run
(``requested_at``). Failures are retried with growing delays, then the row is
kept as failed, with its error, until the next request.

States: queued → (leased) → done | queued again (retry, or asked again meanwhile)
| failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.tables import GroupSync, QueueState

# Longer than a run may take (``federation.remote.backfill.BUDGET``), so no run is leased twice.
LEASE = timedelta(minutes=5)
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
# A look-up reads a group's moderators again only if the last reading is older than this.
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Claimed:
    """A leased row: which group, whether to back-fill, and the request it answers."""

    actor_id: int
    backfill: bool
    requested_at: datetime


async def request(
    session: AsyncSession,
    actor_id: int,
    *,
    now: datetime,
    backfill: bool = False,
    refresh: bool = False,
) -> None:
    """Ask for the group ``actor_id`` to be read again: at once if ``backfill`` (one of our
    members was let in) or ``refresh`` (the group changed), else only if its last reading
    is older than ``STALE_AFTER`` (or failed)."""
    row = await session.get(GroupSync, actor_id)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(
                    GroupSync(
                        actor_id=actor_id,
                        state=QueueState.QUEUED,
                        backfill=backfill,
                        attempts=0,
                        next_attempt_at=now,
                        requested_at=now,
                    )
                )
            return
        except IntegrityError:  # asked for at the same moment elsewhere: add to that one
            row = await session.get_one(GroupSync, actor_id)
    if row.state is QueueState.QUEUED:
        row.backfill = row.backfill or backfill
        row.requested_at = now
        if backfill or refresh:
            row.next_attempt_at, row.attempts = min(row.next_attempt_at, now), 0
        return
    stale = row.finished_at is None or row.finished_at <= now - STALE_AFTER
    if backfill or refresh or stale or row.state is QueueState.FAILED:
        # A back-fill that failed is still owed: a later request carries it on.
        owed = row.state is QueueState.FAILED and row.backfill
        row.state, row.backfill, row.attempts = QueueState.QUEUED, backfill or owed, 0
        row.next_attempt_at, row.requested_at, row.last_error = now, now, None
        row.finished_at = None


async def claim(session: AsyncSession, *, now: datetime) -> Claimed | None:
    """Lease the group due first, if any."""
    statement = (
        select(GroupSync)
        .where(
            GroupSync.state == QueueState.QUEUED,
            GroupSync.next_attempt_at <= now,
            or_(GroupSync.claimed_until.is_(None), GroupSync.claimed_until < now),
        )
        .order_by(GroupSync.next_attempt_at)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    row = await session.scalar(statement)
    if row is None:
        return None
    row.claimed_until = now + LEASE
    return Claimed(row.actor_id, row.backfill, row.requested_at)


async def finish(
    session: AsyncSession,
    job: Claimed,
    *,
    now: datetime,
    error: str | None = None,
    retry: bool = False,
) -> None:
    """Record a run's outcome: done, or (``retry``) queued again after a growing delay until
    the delays run out (then failed, with ``error``). A request that arrived during the run
    is kept: the row stays queued for another run."""
    row = await session.get(GroupSync, job.actor_id)
    if row is None:
        return  # the group is gone
    row.claimed_until = None
    row.last_error = error
    asked_again = row.requested_at > job.requested_at
    if retry and row.attempts < len(RETRY_DELAYS):
        row.next_attempt_at = now + RETRY_DELAYS[row.attempts]
        row.attempts += 1
        return
    if asked_again:
        row.next_attempt_at, row.attempts = now, 0
        row.backfill = row.backfill and not (job.backfill and not retry)
        return
    row.state = QueueState.FAILED if retry else QueueState.DONE
    row.backfill = row.backfill and retry
    row.finished_at = now
