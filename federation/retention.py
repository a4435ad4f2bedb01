"""Finished queue rows are kept for a while, then deleted a bounded batch at a time.

Design note: both queues keep what finished, done rows for a while and failed
ones longer (to see why): deliveries (``federation.outbox.enqueue.purge_finished``) and
processed inbox items (``federation.inbox.retention``). Deleting is bounded, so
that on SQLite a long backlog of old rows never holds the one writer's lock for
long: the worker repeats at once while batches come back full (its other work
goes on between them), then waits its interval. One query shape and one pacing
rule serve both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from federation.tables import QueueState


def past_keeping(
    ids: InstrumentedAttribute[int],
    state: InstrumentedAttribute[QueueState],
    finished_at: InstrumentedAttribute[datetime | None],
    *,
    done_before: datetime,
    failed_before: datetime,
    limit: int,
) -> Select[int]:
    """Up to ``limit`` ids of rows finished before ``done_before`` (done) or
    ``failed_before`` (failed); ``finished_at`` first, for its partial index."""
    return (
        select(ids)
        .where(
            finished_at < done_before,
            (state == QueueState.DONE) | (finished_at < failed_before),
        )
        .limit(limit)
    )


def next_purge(now: float, purged: int, *, batch: int, interval: float) -> float:
    """When the next batch is due (loop time): at once after a full batch, else later."""
    return now if purged >= batch else now + interval
