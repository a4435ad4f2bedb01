"""The delivery worker: sends queued activities, signed, many at a time, never losing one.

Design note. Activities wait in ``deliveries`` (``federation.outbox.enqueue``
puts them there in the transaction that caused them). A worker loops:

1. claim due rows under a lease (``federation.delivery_queue``; several worker
   processes may share one PostgreSQL database);
2. send each with its own task, signed by the activity's actor (keys cached per
   actor for the worker's life), RFC 9421 first and draft-cavage on refusal
   unless the host's standard is known (``federation.sender``);
3. record outcomes in one transaction per batch: done, retry later
   (``federation.retry.decide``: backoff of at least 72 h, ``Retry-After``) or
   failed; and per host the failure streak, breaker, unreachable mark and the
   signature standard learnt (``federation.destinations``).

``run`` keeps up to ``max_in_flight`` requests going and claims again as soon
as slots free up, so a slow host never holds back a batch; ``run_once`` claims
one batch, sends it and records it (tests, and the rig's ``settle``). The clock
is injected. A worker cancelled mid-batch records nothing: its leases expire
and another worker sends those rows again, so the only duplicates are the
requests that were in flight. Logs go to ``kinfolk.delivery`` with ``host``,
``status`` and ``attempt`` as extra fields.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.delivery_config import DeliveryConfig
from federation.delivery_queue import InFlight, Job, Outcome, claim, record
from federation.destinations import mark_host_alive
from federation.keystore import LocalKeys
from federation.sender import SendResult, post_activity

__all__ = ["DeliveryConfig", "DeliveryWorker", "client_session", "mark_host_alive"]

log = logging.getLogger("kinfolk.delivery")

Clock = Callable[[], datetime]


def client_session(config: DeliveryConfig) -> aiohttp.ClientSession:
    """An HTTP client sized for the worker (its pool must not queue our requests)."""
    connector = aiohttp.TCPConnector(
        limit=config.max_in_flight, limit_per_host=config.max_per_host, ttl_dns_cache=300
    )
    return aiohttp.ClientSession(connector=connector, headers={"User-Agent": config.user_agent})


class DeliveryWorker:
    """Claims, signs, sends and records deliveries; see the module note."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: aiohttp.ClientSession,
        clock: Clock,
        config: DeliveryConfig | None = None,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._clock = clock
        self._config = config or DeliveryConfig()
        self._timeout = aiohttp.ClientTimeout(
            total=self._config.total_timeout, sock_connect=self._config.connect_timeout
        )
        self._keys: dict[int, LocalKeys] = {}
        self._standards: dict[str, str] = {}  # learnt in this process, ahead of the database
        self._in_flight = InFlight()
        self._signal = asyncio.Event()  # set on new work, a finished request, or stop
        self._pending: set[asyncio.Task[Outcome]] = set()
        self._finished: list[Outcome] = []

    def notify(self) -> None:
        """Work was just queued in this process: claim now instead of after the idle sleep."""
        self._signal.set()

    async def run_once(self) -> int:
        """Claim one batch of due rows, send them concurrently, record the outcomes."""
        jobs = await self._claim(min(self._config.batch_size, self._config.max_in_flight))
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(job) for job in jobs))
        await self._record(outcomes)
        return len(jobs)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then finish (and record) what is in flight."""
        watcher = asyncio.create_task(stop.wait())
        watcher.add_done_callback(lambda _: self._signal.set())
        try:
            while not (stop.is_set() and not self._pending and not self._finished):
                self._signal.clear()  # anything from here on wakes the wait below
                if not await self._step(stop):
                    await self._idle()
        except asyncio.CancelledError:
            for task in self._pending:
                task.cancel()
            await asyncio.gather(*self._pending, return_exceptions=True)
            raise
        finally:
            watcher.cancel()

    async def _step(self, stop: asyncio.Event) -> bool:
        """Record what finished and claim into free slots; True to go round again at once."""
        try:
            if self._finished:
                outcomes = list(self._finished)
                await self._record(outcomes)
                del self._finished[: len(outcomes)]
            if stop.is_set():
                return False
            wanted = min(self._config.batch_size, self._config.max_in_flight - len(self._pending))
            if wanted <= 0:
                return False
            jobs = await self._claim(wanted)
        except (SQLAlchemyError, OSError):
            # The database is away: requests in flight go on, their outcomes wait in memory.
            log.exception("delivery queue unavailable; retrying")
            await asyncio.sleep(self._config.idle_sleep)
            return False
        for job in jobs:
            task = asyncio.create_task(self._attempt(job))
            self._pending.add(task)
            task.add_done_callback(self._on_done)
        return len(jobs) == wanted

    def _on_done(self, task: asyncio.Task[Outcome]) -> None:
        self._pending.discard(task)
        if not task.cancelled():
            self._finished.append(task.result())  # _attempt turns every Exception into a result
        self._signal.set()

    async def _idle(self) -> None:
        if self._signal.is_set():
            return
        try:
            async with asyncio.timeout(self._config.idle_sleep):
                await self._signal.wait()
        except TimeoutError:
            pass  # time to poll: retries and other processes' work become due by the clock

    async def _claim(self, limit: int) -> list[Job]:
        async with self._sessions.begin() as session:
            jobs = await claim(
                session,
                now=self._clock(),
                limit=limit,
                config=self._config,
                in_flight=self._in_flight,
                keys=self._keys,
            )
        for job in jobs:
            self._in_flight.add(job)
        return jobs

    async def _record(self, outcomes: list[Outcome]) -> None:
        async with self._sessions.begin() as session:
            await record(session, outcomes, self._clock(), self._config)

    async def _attempt(self, job: Job) -> Outcome:
        try:
            result = await post_activity(
                self._http,
                job.inbox,
                job.body,
                self._keys[job.actor_id],
                standard=self._standards.get(job.host, job.standard),
                now=self._clock(),
                client_timeout=self._timeout,
                user_agent=self._config.user_agent,
            )
        except Exception as exc:  # one broken row must not stop the worker; it is retried
            log.exception("delivery %d to %s crashed", job.id, job.inbox, extra={"host": job.host})
            result = SendResult(None, error=f"internal error: {type(exc).__name__}: {exc}")
        finally:
            self._in_flight.remove(job)
        if result.standard is not None:
            self._standards[job.host] = result.standard
        return Outcome(job, result)
