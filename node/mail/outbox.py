"""The durable queue of outgoing mail.

Design note. An action that wants a mail sent (a reset link, a verification link, a
digest) writes a ``mail_outbox`` row in its own transaction: if the action rolls
back, no mail goes; if the node stops before sending, the row is still there and is
sent after the restart. A sender (``node.mail.sender``) claims due rows by moving
their next attempt a lease ahead (a compare-and-set on the time it read, so two
processes never send one row twice, on SQLite as on PostgreSQL), sends each, and
writes the outcome: sent (the body is wiped at once, so no reset link lies in the
database) or failed (the next attempt after a growing wait, up to ``MAX_ATTEMPTS``).
Rows sent or given up are deleted after ``KEEP``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.mail.kinds import MailKind
from node.storage.models.mail import OutgoingMail

MAX_ATTEMPTS = 12  # most of a day: after 1, 2, 4, … 128 minutes, then every 4 hours
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=4)
# How long a claimed row is left to its sender before another may take it up.
LEASE = timedelta(minutes=5)
KEEP = timedelta(days=1)  # how long a sent or abandoned row stays (subject and address)
CLAIM_BATCH = 20
ERROR_MAX = 500


@dataclass(frozen=True)
class QueuedMail:
    id: int
    recipient: str
    subject: str
    body: str
    kind: MailKind
    attempts: int


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failure, or None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: timedelta = FIRST_RETRY * 2 ** (attempts - 1)
    return min(delay, LONGEST_RETRY)


async def queue_mail(
    session: AsyncSession,
    *,
    recipient: str,
    subject: str,
    body: str,
    kind: MailKind,
    now: datetime,
) -> None:
    """Queue one plain-text mail, in the caller's transaction."""
    session.add(
        OutgoingMail(
            recipient=recipient,
            subject=subject,
            body=body,
            kind=kind,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
    )
    await session.flush()


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int = CLAIM_BATCH
) -> list[QueuedMail]:
    """Due rows, each now leased to the caller for ``LEASE`` and its attempt counted."""
    due = (
        await session.execute(
            select(OutgoingMail.id, OutgoingMail.next_attempt_at)
            .where(OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(limit)
        )
    ).all()
    claimed: list[QueuedMail] = []
    for mail_id, due_at in due:
        taken = await session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.next_attempt_at == due_at)
            .values(next_attempt_at=now + LEASE, attempts=OutgoingMail.attempts + 1)
            .returning(
                OutgoingMail.recipient,
                OutgoingMail.subject,
                OutgoingMail.body,
                OutgoingMail.kind,
                OutgoingMail.attempts,
            )
        )
        row = taken.first()
        if row is not None:  # else another sender took it first
            claimed.append(QueuedMail(mail_id, *row))
    return claimed


async def mark_sent(session: AsyncSession, mail_id: int, *, now: datetime) -> None:
    """Sent: the body (perhaps a link) is wiped now; the row goes after ``KEEP``."""
    await session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id)
        .values(sent_at=now, next_attempt_at=None, body="", last_error="")
    )


async def mark_failed(
    session: AsyncSession, mail: QueuedMail, error: str, *, now: datetime
) -> bool:
    """Record a failure; True if it will be tried again, False if given up (body wiped)."""
    delay = retry_delay(mail.attempts)
    values: dict[str, object] = {"last_error": error[:ERROR_MAX]}
    if delay is None:
        values.update(next_attempt_at=None, body="")
    else:
        values["next_attempt_at"] = now + delay
    await session.execute(update(OutgoingMail).where(OutgoingMail.id == mail.id).values(**values))
    return delay is not None


async def purge_finished(session: AsyncSession, *, now: datetime) -> int:
    """Delete rows sent or given up more than ``KEEP`` ago; how many went."""
    result = await session.execute(
        delete(OutgoingMail).where(
            OutgoingMail.next_attempt_at.is_(None),
            or_(OutgoingMail.sent_at < now - KEEP, OutgoingMail.created_at < now - KEEP),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
