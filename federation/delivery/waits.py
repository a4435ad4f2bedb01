"""Per-object order on the delivery queue: which row waits for which, and releasing them.

Design note: activities about one object reach each inbox in the order they
were made (Create, then Update, then Delete), even with many requests in flight
per host. A new row for an inbox that still has a queued row about the same
object names that row in ``after_id`` and stays out of the due index
(``federation.tables.SENDABLE``) until it finishes; the claim therefore reads
only rows it may send, however many wait (before, a claim skipped waiting rows
at the head of the due order each time, and enough of them starved it).
Finishing a row, done or failed, releases its successor in the same
transaction. On PostgreSQL a row may finish in a transaction that cannot see a
successor being added concurrently; ``release_stranded``, run by every worker
now and then, releases such rows, and any a bulk change finished without
looking.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from federation.tables import Delivery, QueueState


def queued() -> ColumnElement[QueueState]:
    """The queued state written into the SQL, not bound: only a literal lets a planner
    use the partial indexes on queued rows (a prepared statement's generic plan cannot)."""
    return literal(QueueState.QUEUED, type_=Delivery.state.type, literal_execute=True)


async def last_queued(session: AsyncSession, object_uri: str) -> dict[str, int]:
    """Per inbox, the last queued row about ``object_uri``: a new row waits for it."""
    found = await session.execute(
        select(Delivery.inbox, func.max(Delivery.id))
        .where(Delivery.state == queued(), Delivery.object_uri == object_uri)
        .group_by(Delivery.inbox)
    )
    return {inbox: last for inbox, last in found}


async def release_successors(session: AsyncSession, finished: Collection[int]) -> None:
    """The rows waiting for any of ``finished`` (just done or failed) may go now."""
    if finished:
        await session.execute(
            update(Delivery)
            .where(Delivery.state == queued(), Delivery.after_id.in_(finished))
            .values(after_id=None)
            .execution_options(synchronize_session=False)
        )


async def release_stranded(session: AsyncSession) -> int:
    """Release waiting rows whose row is no longer queued; how many. Reads only
    waiting rows (their partial index), so it is cheap while few wait."""
    earlier = aliased(Delivery)
    still_queued = exists().where(and_(earlier.id == Delivery.after_id, earlier.state == queued()))
    result = await session.execute(
        update(Delivery)
        .where(Delivery.state == queued(), Delivery.after_id.is_not(None), ~still_queued)
        .values(after_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
