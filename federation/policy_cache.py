"""Federation policy as a running node enforces it: a small cache, reloaded every few seconds.

The inbox, fetches and the delivery worker ask ``refusal(host)`` for every
request, so the policy is held in memory and reloaded from the database once
it is older than ``max_age`` seconds: an admin's change (``kinfolk policy``,
from another process) applies within that, without a restart. Queueing reads
the rules in its own transaction instead (``node.federation_policy.storage.policy_for_hosts``).
Changes are made, and what they refuse cut, by ``federation.actions.policy_change``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.federation_policy.decision import Decision, Policy, decide
from node.federation_policy.storage import load_policy

MAX_AGE = 2.0  # seconds


class PolicyCache:
    """The node's federation policy, at most ``max_age`` seconds old."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        max_age: float = MAX_AGE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._max_age = max_age
        self._monotonic = monotonic
        self._policy: Policy | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Reload on next use (after a change made in this process)."""
        self._policy = None

    async def current(self) -> Policy:
        if self._policy is not None and self._monotonic() - self._loaded_at < self._max_age:
            return self._policy
        async with self._lock:  # one reload at a time, however many requests wait
            if self._policy is None or self._monotonic() - self._loaded_at >= self._max_age:
                async with self._sessions() as session:
                    self._policy = await load_policy(session)
                self._loaded_at = self._monotonic()
            return self._policy

    async def decide(self, host: str) -> Decision:
        return decide(await self.current(), host)

    async def refusal(self, host: str) -> str | None:
        """Why ``host`` may not federate with us (its public reason), or None if it may."""
        decision = await self.decide(host)
        return None if decision.federates else decision.reason
