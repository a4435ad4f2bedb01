"""The running workers fetch an admin's subscribed blocklists on their schedule: when a
list is due and not before, applying at once the lists the admin chose to."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation import workers
from federation.runtime import federation_runtime
from federation.worker_queues import Queue
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import Severity
from web.config import Settings

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]

HEADER = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
FIRST = HEADER + "spam.example,suspend,false,false,Spam,false\n"
SECOND = FIRST + "troll.example,suspend,false,false,Trolls,false\n"
REVIEWED = HEADER + "loud.example,silence,false,false,Loud,false\n"


class Looks:
    """Counts the workers' looks for lists due, so the test waits for looks, not time."""

    def __init__(self) -> None:
        self.count = 0

    async def after(self, looks: int, *, then: int) -> None:
        for _ in range(400):
            if self.count >= then + looks:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"the workers looked {self.count - then} times, not {looks}")


async def test_the_workers_fetch_lists_when_due_not_before_and_apply_auto_apply_lists(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    aiohttp_server: AiohttpServer,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = {"/auto.csv": FIRST, "/review.csv": REVIEWED}
    fetches: dict[str, int] = {"/auto.csv": 0, "/review.csv": 0}

    async def serve(request: web.Request) -> web.Response:
        fetches[request.path] += 1
        return web.Response(text=served[request.path], content_type="text/csv")

    app = web.Application()
    app.router.add_get("/{name}.csv", serve)
    server = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    async with sessions.begin() as session:
        auto = await subscriptions.subscribe(
            session, f"{base}/auto.csv", ceiling="suspend", auto_apply=True, now=now
        )
        review = await subscriptions.subscribe(
            session, f"{base}/review.csv", ceiling="suspend", now=now
        )

    looks = Looks()
    fetch_blocklists = workers.NodeWorkers.fetch_blocklists

    async def counted(self: workers.NodeWorkers) -> int:
        done = await fetch_blocklists(self)
        looks.count += 1
        return done

    monkeypatch.setattr(workers.NodeWorkers, "fetch_blocklists", counted)
    monkeypatch.setattr(workers, "BLOCKLISTS_LOOK_EVERY", 0.01)
    clock = [now]
    loopback = dataclasses.replace(settings, allow_private_addresses=True)
    async with federation_runtime(loopback, sessions, lambda: clock[0]) as runtime:
        # The node has refused nothing yet, and remembers so (its policy cache).
        assert await runtime.federation.policy.refusal("spam.example") is None
        stop = asyncio.Event()
        running = asyncio.create_task(runtime.workers.run(stop, Queue.INBOX))
        try:
            # Never fetched: both are due at the first look.
            await looks.after(1, then=0)
            assert fetches == {"/auto.csv": 1, "/review.csv": 1}
            async with sessions.begin() as session:
                rules = {r.domain: r.severity for r in await storage.list_rules(session)}
                assert rules == {"spam.example": Severity.SUSPEND}
                assert (await subscriptions.subscription(session, review.id)).pending
                assert not (await subscriptions.subscription(session, auto.id)).pending
            # Enforced at once, not when the cache would have reloaded by itself.
            assert await runtime.federation.policy.refusal("spam.example") is not None

            # The auto-apply list changes, but a second short of six hours neither is fetched again.
            served["/auto.csv"] = SECOND
            clock[0] = now + timedelta(hours=6, seconds=-1)
            await looks.after(3, then=looks.count)
            assert fetches == {"/auto.csv": 1, "/review.csv": 1}

            # Six hours on, both are; the auto-apply list's new entry is applied.
            clock[0] = now + timedelta(hours=6)
            await looks.after(2, then=looks.count)  # one may have read the clock before
            assert fetches == {"/auto.csv": 2, "/review.csv": 2}
            async with sessions.begin() as session:
                rules = {r.domain: r.severity for r in await storage.list_rules(session)}
                assert rules == {
                    "spam.example": Severity.SUSPEND,
                    "troll.example": Severity.SUSPEND,
                }
                assert (await subscriptions.subscription(session, auto.id)).fetched_at == clock[0]
            assert await runtime.federation.policy.refusal("troll.example") is not None
        finally:
            stop.set()
            await running
