"""The inbox's group commit: many requests share a transaction, none is lost or doubled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.inbox import writer as writer_module
from federation.inbox.writer import InboxRow, InboxWriter
from federation.tables import InboxItem

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def _row(n: int, *, payload: str = "{}") -> InboxRow:
    actor = f"https://peer.example/users/u{n % 7}"
    return InboxRow(f"https://peer.example/activities/{n}", actor, payload, f"{actor}#key", NOW)


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(InboxItem.activity_uri)))


async def test_concurrent_activities_are_all_stored_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = InboxWriter(sessions)
    rows = [_row(n) for n in range(200)]
    duplicates = await asyncio.gather(*(writer.write(row) for row in rows))
    await writer.close()
    assert duplicates == [False] * 200
    assert sorted(await _stored(sessions)) == sorted(row.activity_uri for row in rows)


async def test_a_repeated_activity_is_reported_as_a_duplicate_in_and_across_batches(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = InboxWriter(sessions)
    assert await writer.write(_row(1)) is False
    twice = await asyncio.gather(
        writer.write(_row(2)), writer.write(_row(2)), writer.write(_row(1))
    )
    await writer.close()
    assert list(twice) == [False, True, True]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 2


async def test_one_bad_row_fails_only_its_own_request(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = InboxWriter(sessions)
    bad = _row(99, payload=cast(str, None))  # violates NOT NULL on every backend
    results = await asyncio.gather(
        *(writer.write(row) for row in [_row(1), bad, _row(2)]), return_exceptions=True
    )
    await writer.close()
    assert results[0] is False
    assert results[2] is False
    assert isinstance(results[1], Exception)
    assert sorted(await _stored(sessions)) == sorted([_row(1).activity_uri, _row(2).activity_uri])


async def test_a_writer_keeps_working_after_a_failure_and_close_waits_for_queued_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    writer = InboxWriter(sessions)
    with pytest.raises(Exception):  # noqa: B017, PT011 — the driver's own integrity error
        await writer.write(_row(5, payload=cast(str, None)))
    pending = [asyncio.create_task(writer.write(_row(n))) for n in range(10, 20)]
    await asyncio.sleep(0)
    await writer.close()
    assert len(await _stored(sessions)) == 10
    assert await asyncio.gather(*pending) == [False] * 10


async def test_side_by_side_batches_store_each_activity_once_and_say_which_were_repeats(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL several writers commit at once; copies of one activity that land in
    different batches wait for each other: one stored, the others told they are repeats."""
    monkeypatch.setattr(writer_module, "MAX_BATCH", 16)  # many batches, side by side
    writer = InboxWriter(sessions)
    rows = [_row(n % 40) for n in range(400)]  # each activity ten times, interleaved
    duplicates = await asyncio.gather(*(writer.write(row) for row in rows))
    await writer.close()
    assert duplicates.count(False) == 40
    assert sorted(await _stored(sessions)) == sorted({row.activity_uri for row in rows})
