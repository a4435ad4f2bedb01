"""Deleting processed inbox items once they are past keeping.

Design note: a processed item is what makes a repeated delivery harmless (its
activity id is unique, ``federation.inbox.writer``), and a peer that never saw
our 202 retries the same activity, freshly signed, for up to about three days
(Mastodon 50-75 h, Lemmy 3 days). So done items are kept a week, longer than
any sender retries; failed ones a month, for admins to see why. A third party
cannot replay an older request: its signature's date is refused after 65
minutes. After that the raw payload goes: it holds other people's words, and a
peer-support node keeps no more of them than it needs (what was accepted lives
on as posts, replies and follows, which have their own deletion rules). Purging
is bounded and paced like the delivery purge (``federation.retention``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from federation.retention import past_keeping
from federation.tables import InboxItem


@dataclass(frozen=True)
class InboxRetention:
    """How long processed inbox items are kept, and how the purge is paced."""

    keep_done: timedelta = timedelta(days=7)
    keep_failed: timedelta = timedelta(days=30)
    interval: float = 600.0  # seconds between purges once a batch comes back short
    batch: int = 2000


DEFAULT_RETENTION = InboxRetention()


async def purge_processed(
    session: AsyncSession, *, now: datetime, retention: InboxRetention
) -> int:
    """Delete up to ``retention.batch`` processed items past keeping; how many."""
    doomed = past_keeping(
        InboxItem.id,
        InboxItem.state,
        InboxItem.processed_at,
        done_before=now - retention.keep_done,
        failed_before=now - retention.keep_failed,
        limit=retention.batch,
    )
    result = await session.execute(
        delete(InboxItem)
        .where(InboxItem.id.in_(doomed.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
