"""Two processes writing one SQLite file: a busy writer does not lock the other out.

A busy delivery worker writes back to back, leaving SQLite's writer lock free
for a moment between transactions; with one long busy timeout, the web
process polled every 100 ms and missed those moments for seconds, or gave up
with "database is locked" (measured in the S2 benchmark). Two engines on one
file stand for the two processes: each has its own connection.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from node.storage import engine as storage_engine
from node.storage.engine import create_engine


async def _busy_writer(url: str, stop: asyncio.Event) -> None:
    """Write back to back, each transaction holding the lock 50 ms."""
    engine = create_engine(url)
    try:
        while not stop.is_set():
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('worker')"))
                await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def test_a_write_gets_in_between_another_process_s_back_to_back_writes(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'node.sqlite3'}"
    web = create_engine(url)
    async with web.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (who TEXT)"))
    stop = asyncio.Event()
    worker = asyncio.create_task(_busy_writer(url, stop))
    try:
        await asyncio.sleep(0.2)
        for _ in range(3):  # polled every 100 ms, each took ~10 s, or failed
            async with web.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('web')"))
    finally:
        stop.set()
        await worker
    async with web.connect() as connection:
        written = await connection.scalar(text("SELECT count(*) FROM notes WHERE who = 'web'"))
    await web.dispose()
    assert written == 3


async def test_a_writer_that_cannot_get_the_lock_in_time_is_told_the_database_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_engine, "SQLITE_WRITER_WAIT", 0.3)
    url = f"sqlite+aiosqlite:///{tmp_path / 'node.sqlite3'}"
    holder, waiter = create_engine(url), create_engine(url)
    try:
        async with holder.begin() as held:
            await held.execute(text("CREATE TABLE notes (who TEXT)"))
            with pytest.raises(OperationalError, match="database is locked"):
                async with waiter.begin() as connection:
                    await connection.execute(text("SELECT 1"))
    finally:
        await holder.dispose()
        await waiter.dispose()
