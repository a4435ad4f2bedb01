"""Group commit for the inbox: many accepted activities, one transaction.

A busy inbox is bound by commits, not by signature checks: SQLite manages a
few thousand commits a second and PostgreSQL fewer, and each one costs a trip
through the driver. So requests do not commit one by one. Each verified
activity is handed to one writer task and its request waits; the writer takes
everything that queued up while the previous commit ran and writes it in a
single ``INSERT … ON CONFLICT DO NOTHING RETURNING``. An idle inbox commits each
activity at once (a batch of one, no timer); a busy one commits in batches as
large as the load. The 202 is still sent only after the row is durable.

On PostgreSQL several writers (``WRITERS``) take batches side by side: a commit
there waits for its WAL flush, and with one writer the inbox could accept no
more than one batch per flush (S3 on a busy machine: 108 accepted/s at 8 in
flight, p50 59 ms); the server flushes concurrent commits together. SQLite has
one writer whatever we do.

If a batch fails, each of its rows is retried alone, so one bad row fails only
its own request.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.delivery.destinations import learn_standards, mark_host_alive
from federation.tables import InboxItem, QueueState
from node.storage.engine import upsert_into

log = logging.getLogger("kinfolk.inbox")

MAX_BATCH = 500
WRITERS = {"postgresql": 4}  # concurrent writer tasks by dialect; 1 for the others
_TABLE = cast(Table, InboxItem.__table__)


@dataclass(frozen=True)
class InboxRow:
    """One verified activity to queue, and what it taught us of its host.

    ``revive_host`` proved itself alive; ``learnt_standard`` is (host, the RFC 9421
    form it signs with).
    """

    activity_uri: str
    actor_uri: str
    payload: str
    key_id: str
    received_at: datetime
    revive_host: str | None = None
    learnt_standard: tuple[str, str] | None = None

    def values(self) -> dict[str, Any]:
        return {
            "activity_uri": self.activity_uri,
            "actor_uri": self.actor_uri,
            "payload": self.payload,
            "key_id": self.key_id,
            "received_at": self.received_at,
            "state": QueueState.QUEUED,
            "attempts": 0,
            "next_attempt_at": self.received_at,
        }


_Pending = tuple[InboxRow, "asyncio.Future[bool]"]


class InboxWriter:
    """Queues inbox rows durably in shared transactions; ``write`` says if it was a duplicate."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        bind = sessions.kw.get("bind")
        self._writers = WRITERS.get(bind.dialect.name, 1) if bind is not None else 1

    async def write(self, row: InboxRow) -> bool:
        """Wait until ``row`` is committed; True when its activity was already queued."""
        self._tasks = [task for task in self._tasks if not task.done()]
        while len(self._tasks) < self._writers:
            self._tasks.append(asyncio.create_task(self._run(), name="inbox-writer"))
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((row, done))
        return await done

    async def close(self) -> None:
        """Finish what is queued, then stop the writer."""
        if not self._tasks:
            return
        await self._queue.join()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit_batch(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit_batch(self, batch: list[_Pending]) -> None:
        try:
            fresh = await self._insert([row for row, _ in batch])
        except Exception as exc:  # isolated below, row by row
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            log.warning("inbox batch of %d failed (%s); retrying one by one", len(batch), exc)
            for pending in batch:
                await self._commit_batch([pending])
            return
        seen: set[str] = set()
        for row, done in batch:
            # Within a batch, the first copy of an activity is the one stored.
            new = row.activity_uri in fresh and row.activity_uri not in seen
            seen.add(row.activity_uri)
            _settle(done, not new)

    async def _insert(self, rows: list[InboxRow]) -> set[str]:
        async with self._sessions.begin() as session:
            insert = _insert_returning(session.get_bind().dialect.name)
            # In one order (by activity id), so that side-by-side batches holding the same
            # activity wait for each other rather than deadlock.
            ordered = sorted(rows, key=lambda row: row.activity_uri)
            result = await session.execute(insert, [row.values() for row in ordered])
            fresh = set(result.scalars())
            for host in sorted({row.revive_host for row in rows if row.revive_host}):
                await mark_host_alive(session, host, rows[0].received_at)
            await learn_standards(
                session, dict(r.learnt_standard for r in rows if r.learnt_standard)
            )
        return fresh


def _settle(done: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    if done.done():  # the request went away (client disconnected)
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)


@cache
def _insert_returning(dialect: str) -> Insert:
    return (
        upsert_into(_TABLE, dialect)
        .on_conflict_do_nothing(index_elements=[_TABLE.c.activity_uri])
        .returning(_TABLE.c.activity_uri)
    )
