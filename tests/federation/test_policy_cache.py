"""A running node sees a federation policy change within seconds, without a restart."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.policy_cache import MAX_AGE, PolicyCache
from node.federation_policy import storage


async def test_a_change_from_another_process_applies_once_the_cache_is_stale(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    ticks = [100.0]
    cache = PolicyCache(sessions, monotonic=lambda: ticks[0])
    assert await cache.refusal("bad.example") is None
    async with sessions.begin() as session:  # as ``kinfolk policy set`` would
        await storage.set_rule(session, "bad.example", "suspend", reason="spam", now=now)
    ticks[0] += MAX_AGE / 2
    assert await cache.refusal("bad.example") is None  # still the policy just read
    ticks[0] += MAX_AGE / 2
    assert await cache.refusal("sub.bad.example") == "spam"
    async with sessions.begin() as session:
        await storage.remove_rule(session, "bad.example")
    cache.invalidate()  # a change made in this process applies at once
    assert await cache.refusal("bad.example") is None
