"""The mail sender: claims due mail from the outbox, hands it to the SMTP server, and
writes each outcome; it also queues digests and forgets what is done.

It runs beside the federation workers (``federation.workers.NodeWorkers``), in
``kinfolk serve`` or ``kinfolk worker``; tests call ``run_once``. One line is logged
per failed attempt, naming the mail's kind and the error, never its address or body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.mail import links, outbox, smtp
from node.mail.digest import queue_digests
from node.mail.links import MailContext
from node.mail.smtp import SendFailed, SmtpServer

log = logging.getLogger("kinfolk.mail")

IDLE_SLEEP = 1.0  # seconds between looks at an empty queue
DIGEST_INTERVAL = 300.0  # seconds between looks for digests that are due
PURGE_INTERVAL = 3600.0
LINK_KEEP = timedelta(days=7)  # an expired link is remembered a week, to say "expired"

Send = Callable[[SmtpServer, EmailMessage], Awaitable[None]]


class MailSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        server: SmtpServer,
        *,
        sender: str,
        context: MailContext,
        send: Send = smtp.send,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._server = server
        self._from = sender
        self._context = context
        self._send = send

    def message(self, mail: outbox.QueuedMail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(self._clock())
        message["Message-ID"] = make_msgid(domain=self._context.site.domain.split(":")[0])
        # Automatic mail: no out-of-office replies to it (RFC 3834).
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(mail.body)
        return message

    async def send_due(self) -> int:
        """Send every mail due now; how many were attempted."""
        attempted = 0
        while True:
            async with self._sessions.begin() as session:
                claimed = await outbox.claim_due(session, now=self._clock())
            if not claimed:
                return attempted
            for mail in claimed:
                await self._attempt(mail)
            attempted += len(claimed)

    async def _attempt(self, mail: outbox.QueuedMail) -> None:
        try:
            await self._send(self._server, self.message(mail))
        except SendFailed as failure:
            async with self._sessions.begin() as session:
                again = await outbox.mark_failed(session, mail, str(failure), now=self._clock())
            log.warning(
                "%s mail #%d not sent (attempt %d, %s): %s",
                mail.kind.value,
                mail.id,
                mail.attempts,
                "will retry" if again else "given up",
                failure,
            )
            return
        async with self._sessions.begin() as session:
            await outbox.mark_sent(session, mail.id, now=self._clock())

    async def queue_digests(self) -> int:
        async with self._sessions.begin() as session:
            return await queue_digests(session, self._context, now=self._clock())

    async def purge(self) -> int:
        now = self._clock()
        async with self._sessions.begin() as session:
            purged = await outbox.purge_finished(session, now=now)
            return purged + await links.purge_expired(session, now=now, keep=LINK_KEEP)

    async def run_once(self) -> int:
        """Queue due digests, then send everything due; the amount of work done."""
        return await self.queue_digests() + await self.send_due()

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        digests_at = purge_at = loop.time()
        while not stop.is_set():
            busy = 0
            try:
                if loop.time() >= purge_at:
                    purge_at = loop.time() + PURGE_INTERVAL
                    await self.purge()
                if loop.time() >= digests_at:
                    digests_at = loop.time() + DIGEST_INTERVAL
                    busy += await self.queue_digests()
                busy += await self.send_due()
            except Exception:
                # A bug in one pass must not stop the node's mail for good.
                log.exception("mail pass failed; retrying shortly")
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), IDLE_SLEEP)
