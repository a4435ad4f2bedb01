"""The queue of groups elsewhere to read again: one row per group, leased, retried, and no
request lost, not even one that arrives while the group is being read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.remote import group_sync
from federation.remote.group_sync import LEASE, RETRY_DELAYS, STALE_AFTER
from federation.tables import GroupSync, QueueState
from node.actors import upsert_remote_actor
from node.kinds import ActorKind

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


async def _group(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions.begin() as session:
        actor = await upsert_remote_actor(
            session,
            uri="https://peer.example/c/circle",
            kind=ActorKind.GROUP,
            handle="circle",
            domain="peer.example",
            display_name="",
            summary="",
            now=NOW,
        )
        return actor.id


async def _row(sessions: async_sessionmaker[AsyncSession], actor_id: int) -> GroupSync:
    async with sessions() as session:
        return await session.get_one(GroupSync, actor_id)


async def _request(
    sessions: async_sessionmaker[AsyncSession], actor_id: int, at: datetime, **flags: bool
) -> None:
    async with sessions.begin() as session:
        await group_sync.request(session, actor_id, now=at, **flags)


async def _claim(
    sessions: async_sessionmaker[AsyncSession], at: datetime
) -> group_sync.Claimed | None:
    async with sessions.begin() as session:
        return await group_sync.claim(session, now=at)


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    job: group_sync.Claimed,
    at: datetime,
    error: str | None = None,
    *,
    retry: bool = False,
) -> None:
    async with sessions.begin() as session:
        await group_sync.finish(session, job, now=at, error=error, retry=retry)


async def test_a_run_is_leased_and_a_dead_workers_lease_runs_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = await _group(sessions)
    await _request(sessions, group, NOW, backfill=True)
    job = await _claim(sessions, NOW)
    assert job == group_sync.Claimed(group, True, NOW)
    assert await _claim(sessions, NOW + LEASE - timedelta(seconds=1)) is None
    # The worker died: nothing finished the run; once the lease is over, another takes it.
    assert await _claim(sessions, NOW + LEASE + timedelta(seconds=1)) == job


async def test_a_failing_run_is_retried_with_growing_delays_then_kept_as_failed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = await _group(sessions)
    await _request(sessions, group, NOW, backfill=True)
    at = NOW
    for delay in RETRY_DELAYS:
        job = await _claim(sessions, at)
        assert job is not None
        await _finish(sessions, job, at, "peer.example answered 502", retry=True)
        assert await _claim(sessions, at + delay - timedelta(seconds=1)) is None
        at += delay
    job = await _claim(sessions, at)
    assert job is not None
    await _finish(sessions, job, at, "peer.example answered 502", retry=True)
    row = await _row(sessions, group)
    assert (row.state, row.last_error) == (QueueState.FAILED, "peer.example answered 502")
    # The back-fill is still owed: the next request for the group carries it on.
    await _request(sessions, group, at + timedelta(minutes=1))
    assert (await _row(sessions, group)).backfill is True


async def test_a_request_during_a_run_is_kept_for_another_run(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = await _group(sessions)
    await _request(sessions, group, NOW)
    job = await _claim(sessions, NOW)
    assert job is not None
    assert not job.backfill
    # While the actor is read, a member of ours is let in.
    await _request(sessions, group, NOW + timedelta(seconds=1), backfill=True)
    await _finish(sessions, job, NOW + timedelta(seconds=2))
    again = await _claim(sessions, NOW + timedelta(seconds=2))
    assert again is not None
    assert again.backfill
    await _finish(sessions, again, NOW + timedelta(seconds=3))
    row = await _row(sessions, group)
    assert (row.state, row.backfill) == (QueueState.DONE, False)


async def test_a_look_up_reads_the_group_again_only_when_the_last_reading_is_old(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = await _group(sessions)
    await _request(sessions, group, NOW)
    job = await _claim(sessions, NOW)
    assert job is not None
    await _finish(sessions, job, NOW)
    await _request(sessions, group, NOW + STALE_AFTER - timedelta(minutes=1))
    assert (await _row(sessions, group)).state is QueueState.DONE
    # A change of the group, or a join, reads it again at once; an old reading, too.
    await _request(sessions, group, NOW + timedelta(minutes=1), refresh=True)
    assert (await _row(sessions, group)).state is QueueState.QUEUED
    job = await _claim(sessions, NOW + timedelta(minutes=1))
    assert job is not None
    await _finish(sessions, job, NOW + timedelta(minutes=1))
    await _request(sessions, group, NOW + timedelta(minutes=1) + STALE_AFTER)
    assert (await _row(sessions, group)).state is QueueState.QUEUED
