"""The delivery worker: sends queued activities, signed, many at a time, never losing one.

Design note. Activities wait in ``deliveries`` (``federation.outbox.enqueue``
puts them there in the transaction that caused them). A worker loops:

1. claim due rows under a lease (``federation.delivery_queue``; several worker
   processes may share one PostgreSQL database);
2. send each with its own task, signed by the activity's actor (keys cached per
   actor for the worker's life), double-knocking between draft-cavage and
   RFC 9421 as the host needs (``federation.sender``);
3. record outcomes in one transaction per batch: done, retry later
   (``federation.retry.decide``: backoff of at least 72 h, ``Retry-After``) or
   failed; and per host the failure streak, breaker, unreachable mark and the
   signature standard learnt (``federation.destinations``).

``run`` keeps up to ``max_in_flight`` requests going and claims again as slots
free up (once ``refill_slots`` are free, so a busy worker does not claim row by
row; at most every ``claim_interval`` when the last claim came back short, as
nothing more was due), while a recorder task stores outcomes as they arrive, so
a slow host never holds back a batch; ``run_once`` claims one batch, sends it
and records it (tests, and the rig's ``settle``). A worker sends at most
``max_in_flight`` requests per round trip, and at most what its CPU allows
(signing, done on every core by ``federation.signing_pool``): far peers need
more slots, a CPU-bound worker more cores. The clock is injected. A worker
cancelled mid-batch records nothing: its leases expire and another worker
sends those rows again, so the only duplicates are the requests that were in
flight. Logs go to ``kinfolk.delivery`` with ``host``,
``status`` and ``attempt`` as extra fields.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from datetime import datetime

import aiohttp
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.delivery_config import DeliveryConfig
from federation.delivery_outcomes import Outcome, record
from federation.delivery_queue import Cache, InFlight, Job, claim
from federation.destinations import mark_host_alive
from federation.sender import SendResult, post_activity

__all__ = ["DeliveryConfig", "DeliveryWorker", "mark_host_alive"]

log = logging.getLogger("kinfolk.delivery")

Clock = Callable[[], datetime]


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
        self._cache = Cache()  # actors' keys, activities' bodies
        self._standards: dict[str, str] = {}  # learnt in this process, ahead of the database
        self._in_flight = InFlight()
        self._signal = asyncio.Event()  # for the claimer: new work, a free slot, rows recorded
        self._outcomes = asyncio.Event()  # for the recorder: a request finished
        self._pending: set[asyncio.Task[Outcome]] = set()
        self._finished: list[Outcome] = []
        self._claimed_at = -math.inf
        self._short = True  # the last claim found fewer rows than it asked for

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
        """Deliver until ``stop`` is set, then finish (and record) what is in flight.

        Two loops share the event loop: this one claims into free slots, the
        recorder task stores outcomes as they arrive, so neither waits for the other.
        """
        watcher = asyncio.create_task(stop.wait())
        watcher.add_done_callback(lambda _: self._wake())
        recorder = asyncio.create_task(self._record_loop(stop))
        try:
            while not stop.is_set() and not recorder.done():
                self._signal.clear()  # anything from here on wakes the wait below
                if not await self._fill():
                    await self._idle(stop)
            await recorder  # returns once everything in flight is recorded (or raises)
        except BaseException:  # cancelled (killed), or the recorder failed: stop sending
            recorder.cancel()
            for task in self._pending:
                task.cancel()
            await asyncio.gather(recorder, *self._pending, return_exceptions=True)
            raise
        finally:
            watcher.cancel()

    async def _fill(self) -> bool:
        """Claim into the free slots; True if it got all it asked for (go round again)."""
        wanted = min(self._config.batch_size, self._config.max_in_flight - len(self._pending))
        if wanted <= 0:
            return False
        self._claimed_at = asyncio.get_running_loop().time()
        try:
            jobs = await self._claim(wanted)
        except (SQLAlchemyError, OSError):
            log.exception("delivery queue unavailable for claiming; retrying")
            return False
        self._short = len(jobs) < wanted
        for job in jobs:
            task = asyncio.create_task(self._attempt(job))
            self._pending.add(task)
            task.add_done_callback(self._on_done)
        return len(jobs) == wanted

    async def _idle(self, stop: asyncio.Event) -> None:
        """Wait for a reason to claim: enough free slots while busy, or, when the queue
        came back short, new work or the poll interval, and then at most every
        ``claim_interval`` (finished requests arrive by the thousand per second)."""
        config = self._config
        if not self._short:
            refill = min(config.refill_slots, config.max_in_flight)
            while config.max_in_flight - len(self._pending) < refill and not stop.is_set():
                self._signal.clear()
                await self._signal.wait()
            return
        if not self._signal.is_set():
            try:
                async with asyncio.timeout(config.idle_sleep):
                    await self._signal.wait()
            except TimeoutError:
                pass  # time to poll: retries and other processes' work fall due by the clock
        loop = asyncio.get_running_loop()
        rest = self._claimed_at + config.claim_interval - loop.time()
        if rest > 0:
            await asyncio.sleep(rest)

    async def _record_loop(self, stop: asyncio.Event) -> None:
        """Record outcomes as they come, a batch per transaction, until stopped and drained."""
        while True:
            self._outcomes.clear()
            if self._finished:
                outcomes = list(self._finished)
                try:
                    await self._record(outcomes)
                except (SQLAlchemyError, OSError):
                    # The outcomes stay in memory; the leases outlast a short outage.
                    log.exception("delivery queue unavailable for recording; retrying")
                    await asyncio.sleep(self._config.idle_sleep)
                    continue
                del self._finished[: len(outcomes)]
                self._signal.set()  # recorded rows may release the next of their object
            elif stop.is_set() and not self._pending:
                return
            else:
                await self._outcomes.wait()

    def _wake(self) -> None:
        self._signal.set()
        self._outcomes.set()

    def _on_done(self, task: asyncio.Task[Outcome]) -> None:
        self._pending.discard(task)
        if not task.cancelled():
            self._finished.append(task.result())  # _attempt turns every Exception into a result
        self._wake()

    async def _claim(self, limit: int) -> list[Job]:
        async with self._sessions.begin() as session:
            jobs = await claim(
                session,
                now=self._clock(),
                limit=limit,
                config=self._config,
                in_flight=self._in_flight,
                cache=self._cache,
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
                self._cache.keys[job.actor_id],
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
