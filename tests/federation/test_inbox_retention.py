"""Processed inbox items are kept while a sender may still retry, then deleted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.inbox.retention import InboxRetention, purge_processed
from federation.inbox.writer import InboxRow, InboxWriter
from federation.runtime import federation_runtime
from federation.tables import InboxItem, QueueState
from federation.worker_queues import Queue
from web.config import Settings

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
PEER = "https://peer.example/users/pat"

# (name, state, days since processed; None: still queued)
ITEMS = [
    ("done-8d-a", QueueState.DONE, 8),
    ("done-8d-b", QueueState.DONE, 8),
    ("done-8d-c", QueueState.DONE, 8),
    ("done-1d", QueueState.DONE, 1),
    ("failed-8d", QueueState.FAILED, 8),
    ("failed-31d", QueueState.FAILED, 31),
    ("queued-40d", QueueState.QUEUED, None),
]


async def _store_items(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        for name, state, days in ITEMS:
            received = NOW - timedelta(days=40 if days is None else days)
            session.add(
                InboxItem(
                    activity_uri=f"{PEER}/activities/{name}",
                    actor_uri=PEER,
                    payload="{}",
                    key_id=f"{PEER}#main-key",
                    received_at=received,
                    state=state,
                    attempts=0 if days is None else 1,
                    next_attempt_at=received,
                    processed_at=None if days is None else NOW - timedelta(days=days),
                )
            )


async def _left(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        uris = await session.scalars(select(InboxItem.activity_uri).order_by(InboxItem.id))
    return [uri.rsplit("/", 1)[1] for uri in uris]


async def test_done_items_go_after_a_week_failed_after_a_month_in_bounded_batches(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _store_items(sessions)
    retention = InboxRetention(batch=2)
    purged = []
    for _ in range(3):
        async with sessions.begin() as session:
            purged.append(await purge_processed(session, now=NOW, retention=retention))
    assert purged == [2, 2, 0]
    assert await _left(sessions) == ["done-1d", "failed-8d", "queued-40d"]


async def test_the_running_inbox_worker_purges_and_still_knows_recent_activities(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Before, nothing deleted processed items: every payload ever received stayed."""
    await _store_items(sessions)
    async with federation_runtime(settings, sessions, lambda: NOW) as runtime:
        stop = asyncio.Event()
        running = asyncio.create_task(runtime.workers.run(stop, Queue.INBOX))
        for _ in range(200):
            if len(await _left(sessions)) == 3:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await running
    assert await _left(sessions) == ["done-1d", "failed-8d", "queued-40d"]
    # A sender retrying within the week is still told it was a duplicate.
    writer = InboxWriter(sessions)
    retry = InboxRow(f"{PEER}/activities/done-1d", PEER, "{}", f"{PEER}#main-key", NOW)
    assert await writer.write(retry) is True
    await writer.close()
