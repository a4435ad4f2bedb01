"""The background work of a node: dispatching events, processing the inbox, delivering,
reading groups elsewhere again (``federation.remote.backfill``), wiping a deleted
account's posts (``node.account_deletion``), building members' archives
(``node.export``), reminding members of their meetings (``node.meetings.reminders``),
fetching subscribed blocklists (``federation.blocklists``) and sending mail
(``node.mail.sender``, with the inbox queue, when the node has an SMTP server).

``kinfolk serve`` runs them all embedded, so the one-command start federates;
``kinfolk worker`` runs them as separate processes (several may share one
PostgreSQL: every queue is claimed with leases and ``SKIP LOCKED``). Tests call
``run_once`` until the queues are empty instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from federation.blocklists import REFRESH_EVERY, Fetcher, refresh_due
from federation.context import Federation
from federation.delivery.worker import DeliveryWorker
from federation.inbox.queue import process_once
from federation.inbox.retention import DEFAULT_RETENTION, InboxRetention, purge_processed
from federation.outbox.dispatch import dispatch_once
from federation.remote.backfill import sync_once
from federation.retention import next_purge
from federation.worker_queues import Queue
from node.account_deletion.wiping import wipe_batch
from node.export.jobs import build_next as build_archive
from node.mail.sender import MailSender
from node.meetings.hosted import announce_next_occurrences
from node.meetings.reminders import due_reminders

log = logging.getLogger("kinfolk.workers")

IDLE_SLEEP = 0.2  # seconds between polls when a queue is empty
REMIND_EVERY = 30.0  # seconds between looks for meeting reminders due
BLOCKLISTS_LOOK_EVERY = 60.0  # seconds between looks for blocklists due a fetch


class NodeWorkers:
    def __init__(
        self,
        federation: Federation,
        delivery: DeliveryWorker,
        retention: InboxRetention = DEFAULT_RETENTION,
        mail: MailSender | None = None,
        blocklists_every: timedelta = REFRESH_EVERY,
    ) -> None:
        self._federation = federation
        self._blocklists_every = blocklists_every
        self._mail = mail  # None: the node has no SMTP server
        self._delivery = delivery
        self._retention = retention
        self._purge_at = 0.0  # loop time of the next purge of processed inbox items

    async def dispatch_and_process(self) -> int:
        fed = self._federation
        async with fed.sessions.begin() as session:
            # A batch of a deleted account's posts, wiped in the transaction of the
            # dispatch that sends their deletions (``node.account_deletion``): one
            # transaction a pass, as an idle node polls several times a second.
            wiped = await wipe_batch(session, now=fed.clock())
            dispatched = await dispatch_once(session, fed.site, now=fed.clock())
        if dispatched:
            self._delivery.notify()
        return wiped + dispatched + await process_once(fed)

    async def run_once(self) -> int:
        """One pass over every queue; the amount of work done (0: all queues idle)."""
        done = await self.dispatch_and_process() + await self._delivery.run_once()
        if self._mail is not None:
            done += await self._mail.run_once()
        done += await self.remind()
        return done + await sync_once(self._federation) + await self.build_archive()

    async def run(self, stop: asyncio.Event, queue: Queue = Queue.ALL) -> None:
        tasks = []
        if queue in {Queue.INBOX, Queue.ALL}:
            tasks.append(asyncio.create_task(self._inbox_loop(stop)))
            # Apart from the inbox loop: a slow group elsewhere never holds up the inbox.
            tasks.append(
                asyncio.create_task(
                    self._long_runs(
                        stop, lambda: sync_once(self._federation), "reading a group elsewhere"
                    )
                )
            )
            # Members' archives, apart too: a large one takes a while.
            tasks.append(
                asyncio.create_task(
                    self._long_runs(
                        stop, self.build_archive, "building a member's archive", IDLE_SLEEP * 5
                    )
                )
            )
            tasks.append(
                asyncio.create_task(
                    self._long_runs(stop, self.remind, "reminding of meetings", REMIND_EVERY)
                )
            )
            tasks.append(
                asyncio.create_task(
                    self._long_runs(
                        stop, self.fetch_blocklists, "fetching blocklists", BLOCKLISTS_LOOK_EVERY
                    )
                )
            )
            if self._mail is not None:
                tasks.append(asyncio.create_task(self._mail.run(stop)))
        if queue in {Queue.DELIVERY, Queue.ALL}:
            tasks.append(asyncio.create_task(self._delivery.run(stop)))
        await asyncio.gather(*tasks)

    async def _inbox_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if asyncio.get_running_loop().time() >= self._purge_at:
                    await self._purge_batch()
                busy = await self.dispatch_and_process()
            except Exception:
                # A bug in one pass must not stop the node's federation for good.
                log.exception("inbox/dispatch pass failed; retrying shortly")
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SLEEP)

    async def _long_runs(
        self,
        stop: asyncio.Event,
        work: Callable[[], Coroutine[Any, Any, int]],
        failing: str,
        idle: float = IDLE_SLEEP,
    ) -> None:
        """Run ``work`` one run at a time, apart from the inbox loop: a run may take
        minutes (a slow node, a large archive). When the worker stops, the run is
        cancelled half-way, and its lease runs out for another worker to take it up."""
        while not stop.is_set():
            run = asyncio.create_task(work())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({run, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not run.done():
                run.cancel()
                await asyncio.wait({run})  # its cancellation, not ours: nothing to re-raise
                return
            try:
                busy = run.result()
            except Exception:
                log.exception("%s failed; retrying shortly", failing)
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle)

    async def _purge_batch(self) -> None:
        """Delete one batch of processed items past keeping; the next follows on the
        next turn while batches come back full, then the purge waits its interval."""
        fed, retention = self._federation, self._retention
        # Set first: a failing purge (logged by the loop) waits its interval too.
        self._purge_at = asyncio.get_running_loop().time() + retention.interval
        async with fed.sessions.begin() as session:
            purged = await purge_processed(session, now=fed.clock(), retention=retention)
        now = asyncio.get_running_loop().time()
        self._purge_at = next_purge(now, purged, batch=retention.batch, interval=retention.interval)
        if purged:
            log.info(
                "purged %d processed inbox items past keeping", purged, extra={"purged": purged}
            )

    async def remind(self) -> int:
        """Tell those going of their meetings a day and an hour before (once each), and
        other nodes of the next occurrence of a series whose last one just ended."""
        async with self._federation.sessions.begin() as session:
            now = self._federation.clock()
            return await due_reminders(session, now) + await announce_next_occurrences(session, now)

    async def build_archive(self) -> int:
        """Build one member's archive waiting for the worker (``node.export.jobs``)."""
        fed = self._federation
        return await build_archive(fed.sessions, fed.site, now=fed.clock())

    async def fetch_blocklists(self) -> int:
        """Fetch the subscribed blocklists due (each every few hours), one at a time;
        a failed fetch is noted on its list and tried again at the next interval."""
        fed = self._federation
        fetcher = Fetcher(fed.sessions, fed.http, fed.egress, fed.clock, fed.policy)
        await refresh_due(fetcher, self._blocklists_every)
        return 0  # never busy: the next look is a minute away whatever it found
