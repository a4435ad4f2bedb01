"""The delivery worker: sends queued activities, signed, many at a time, never losing one.

Design note. Activities wait in ``deliveries`` (``federation.outbox.enqueue.enqueue``
puts them there in the transaction that caused them). A worker loops:

1. claim due rows under a lease (``federation.delivery.claims``; several worker
   processes may share one PostgreSQL database);
2. send each with its own task, signed by the activity's actor (keys cached per
   actor for the worker's life), double-knocking between draft-cavage and
   RFC 9421 as the host needs (``federation.delivery.sender``);
3. record outcomes: done, retry later (``federation.delivery.retry.decide``: backoff
   of at least 72 h, ``Retry-After``) or failed, releasing rows that waited for
   a finished one (``federation.delivery.waits``; every ``sweep_interval`` a
   claim also releases any a concurrent transaction stranded); and per host the
   failure streak, breaker, unreachable mark and the signature standard learnt
   (``federation.delivery.destinations``);
4. now and then (``purge_interval``), delete finished rows past keeping
   (``keep_done``, ``keep_failed``), a bounded batch per turn of the loop.

``run`` keeps up to ``max_in_flight`` requests going (a request unanswered
after ``overtime_after`` gives its slot back, so hosts that never answer
cannot take the slots from the others). It goes round whenever a
request has finished or slots are free: each round is one transaction that
records the outcomes in so far and then claims into the free slots (once
``refill_slots`` are free, so a busy worker does not claim row by row; at most
every ``claim_interval`` when the last claim came back short, as nothing more
was due). Outcomes are recorded as they arrive, so a slow host never holds
back a batch: with the next claim, or alone once ``refill_slots`` of them wait
or the oldest has waited ``record_after`` (a fan-out's answers arrive one by
one, and a transaction for each takes the CPU the requests need); ``run_once``
claims one batch, sends it and records it (tests, and the rig's ``settle``). A
worker sends at most ``max_in_flight`` requests per round trip, and at most what its CPU allows
(signing, done on every core by ``federation.signing.pool``): far peers need
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

from federation.delivery.claims import Cache, InFlight, Job, claim
from federation.delivery.config import DeliveryConfig
from federation.delivery.destinations import RecentlyHealthy, mark_host_alive
from federation.delivery.outcomes import Outcome, record
from federation.delivery.sender import SendResult, post_activity
from federation.delivery.waits import release_stranded
from federation.outbox.enqueue import purge_finished
from federation.retention import next_purge

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
        self._recent = RecentlyHealthy()  # hosts this worker recorded healthy lately
        self._signal = asyncio.Event()  # a request finished, work was queued, or stop
        self._pending: set[asyncio.Task[Outcome]] = set()
        self._timers: dict[int, asyncio.TimerHandle] = {}  # row id -> its overtime
        self._finished: list[Outcome] = []
        self._record_at = 0.0  # when the outcomes in ``_finished`` are recorded at the latest
        self._claimed_at = -math.inf
        self._sweep_at = 0.0  # when stranded waiting rows are next released (loop time)
        self._purge_at = 0.0  # when the next purge batch is due (loop time; 0: at once)
        self._short = True  # the last claim found fewer rows than it asked for
        self._poked = True  # work queued or rows recorded since the last claim
        self._refill = min(self._config.refill_slots, self._config.max_in_flight)

    def notify(self) -> None:
        """Work was just queued in this process: claim now instead of after the idle sleep."""
        self._poked = True
        self._signal.set()

    def slots_per_host(self) -> dict[str, int]:
        """Slots held per host: requests in flight, less those in overtime (for
        monitoring, and the S5 benchmark's count of slots held by dead nodes)."""
        return dict(self._in_flight.holding_slots())

    async def run_once(self) -> int:
        """Claim one batch of due rows, send them concurrently, record the outcomes."""
        jobs = await self._round([], min(self._config.batch_size, self._config.max_in_flight))
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(job) for job in jobs))
        await self._round(list(outcomes), 0)
        return len(jobs)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then finish (and record) what is in flight.

        Each round is one transaction: record the outcomes that came in since
        the last round, then claim into the free slots. Outcomes arrive by the
        thousand per second under load, so rounds follow each other and batch
        themselves; on SQLite, whose one writer every process queues for, that
        is half the write transactions of recording and claiming apart.
        """
        watcher = asyncio.create_task(stop.wait())
        watcher.add_done_callback(lambda _: self._signal.set())
        try:
            while True:
                if not stop.is_set() and asyncio.get_running_loop().time() >= self._purge_at:
                    await self._purge_batch()
                wanted = self._wanted(stop)
                if wanted or self._record_due(stop):
                    await self._go_round(wanted)
                elif stop.is_set() and not self._pending:
                    return
                else:
                    await self._wait(stop)
        except BaseException:  # cancelled (killed): stop sending, record nothing more
            for task in self._pending:
                task.cancel()
            await asyncio.gather(*self._pending, return_exceptions=True)
            raise
        finally:
            watcher.cancel()

    def _wanted(self, stop: asyncio.Event) -> int:
        """Rows to claim now: a batch once ``refill_slots`` are free while the queue
        has more; when the last claim came back short (nothing more was due), after
        new work or recorded rows (which may release the next row of their object)
        or the poll interval, and then at most every ``claim_interval``."""
        config = self._config
        overtime = min(len(self._in_flight.overtime), config.max_in_flight)
        free = config.max_in_flight - len(self._pending) + overtime
        if stop.is_set() or free <= 0:
            return 0
        if not self._short:
            return min(config.batch_size, free) if free >= self._refill else 0
        if asyncio.get_running_loop().time() >= self._short_claim_due():
            return min(config.batch_size, free)
        return 0

    def _record_due(self, stop: asyncio.Event) -> bool:
        """Whether outcomes alone make a round: ``refill_slots`` of them, the oldest
        ``record_after`` old, or stopping. Answers of a fan-out come in one by one;
        a transaction each was most of a worker's CPU outside signing."""
        if not self._finished:
            return False
        if stop.is_set() or len(self._finished) >= self._refill:
            return True
        return asyncio.get_running_loop().time() >= self._record_at

    def _short_claim_due(self) -> float:
        """When a short queue is claimed again (loop time): soon after a poke, else on the poll."""
        config = self._config
        return self._claimed_at + (config.claim_interval if self._poked else config.idle_sleep)

    async def _wait(self, stop: asyncio.Event) -> None:
        """Sleep until a request finishes, work is queued, stop is set, or a short
        queue's next claim falls due. Nothing can change between the caller's
        checks and the wait: callbacks only run while this coroutine awaits."""
        due = [self._record_at] if self._finished else []
        if self._short and not stop.is_set():
            due.append(self._short_claim_due())
        timeout = max(0.0, min(due) - asyncio.get_running_loop().time()) if due else None
        self._signal.clear()
        try:
            async with asyncio.timeout(timeout):
                await self._signal.wait()
        except TimeoutError:
            pass  # time to poll: retries and other processes' work fall due by the clock

    async def _go_round(self, wanted: int) -> None:
        outcomes = list(self._finished)
        if wanted:
            self._claimed_at = asyncio.get_running_loop().time()
        try:
            jobs = await self._round(outcomes, wanted)
        except (SQLAlchemyError, OSError):
            # Outcomes stay in memory and are recorded next round; leases outlast an outage.
            log.exception("delivery queue unavailable; retrying")
            await asyncio.sleep(self._config.idle_sleep)
            return
        del self._finished[: len(outcomes)]
        if self._finished:  # answers that came in during the round
            self._record_at = asyncio.get_running_loop().time() + self._config.record_after
        if wanted:
            self._short = len(jobs) < wanted
            self._poked = False
        elif outcomes:
            self._poked = True  # recorded rows may release the next row of their object
        loop = asyncio.get_running_loop()
        for job in jobs:
            task = asyncio.create_task(self._attempt(job))
            self._pending.add(task)
            task.add_done_callback(self._on_done)
            self._timers[job.id] = loop.call_later(self._config.overtime_after, self._overdue, job)

    def _overdue(self, job: Job) -> None:
        """``job`` is still unanswered: it gives its slot back (``DeliveryConfig``)."""
        self._in_flight.overdue(job)
        self._signal.set()

    def _on_done(self, task: asyncio.Task[Outcome]) -> None:
        self._pending.discard(task)
        if not task.cancelled():
            if not self._finished:
                self._record_at = asyncio.get_running_loop().time() + self._config.record_after
            self._finished.append(task.result())  # _attempt turns every Exception into a result
        self._signal.set()

    async def _round(self, outcomes: list[Outcome], wanted: int) -> list[Job]:
        """One transaction: record ``outcomes``, then lease up to ``wanted`` due rows."""
        now = self._clock()
        async with self._sessions.begin() as session:
            if outcomes:
                await record(session, outcomes, now, self._config, self._recent)
            if wanted and self._sweep_due():
                await release_stranded(session)
            jobs = []
            if wanted:
                jobs = await claim(
                    session,
                    now=now,
                    limit=wanted,
                    config=self._config,
                    in_flight=self._in_flight,
                    cache=self._cache,
                )
        for job in jobs:
            self._in_flight.add(job)
        return jobs

    async def _purge_batch(self) -> None:
        """Delete one batch of finished rows past keeping; the next batch follows on the
        next turn of the loop while batches come back full (sending goes on between
        them), then the purge waits ``purge_interval``."""
        config = self._config
        now = self._clock()
        try:
            async with self._sessions.begin() as session:
                purged = await purge_finished(
                    session,
                    done_before=now - config.keep_done,
                    failed_before=now - config.keep_failed,
                    limit=config.purge_batch,
                )
        except (SQLAlchemyError, OSError):
            log.exception("purging finished deliveries failed; trying again later")
            purged = 0
        self._purge_at = next_purge(
            asyncio.get_running_loop().time(),
            purged,
            batch=config.purge_batch,
            interval=config.purge_interval,
        )
        if purged:
            log.info("purged %d finished deliveries past keeping", purged, extra={"purged": purged})

    def _sweep_due(self) -> bool:
        """Whether this claim first releases stranded waiting rows (every ``sweep_interval``)."""
        time = asyncio.get_running_loop().time()
        if time < self._sweep_at:
            return False
        self._sweep_at = time + self._config.sweep_interval
        return True

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
            timer = self._timers.pop(job.id, None)
            if timer is not None:
                timer.cancel()
        if result.standard is not None:
            self._standards[job.host] = result.standard
        return Outcome(job, result)
