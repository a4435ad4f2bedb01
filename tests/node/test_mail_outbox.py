"""Outgoing mail is durable: queued in the action's transaction, retried while the mail
server is down, sent by whichever sender runs after a restart, and not kept once sent
(a reset link must not lie around in the database)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.mail import outbox
from node.mail.kinds import MailKind
from node.mail.links import MailContext
from node.mail.sender import MailSender
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.models.mail import OutgoingMail
from tests.clocks import ManualClock
from tests.mailbox import Mailbox
from web.config import Settings

TO = "ana@example.org"


def sender_for(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, mailbox: Mailbox
) -> MailSender:
    return MailSender(
        sessions,
        clock,
        mailbox.server,
        sender="Kinfolk <noreply@node.test>",
        context=MailContext(Site("http://node.test"), "Kinfolk"),
    )


async def queue(sessions: async_sessionmaker[AsyncSession], clock: ManualClock, body: str) -> None:
    async with sessions.begin() as session:
        await outbox.queue_mail(
            session, recipient=TO, subject="Hello", body=body, kind=MailKind.RESET, now=clock()
        )


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutgoingMail]:
    async with sessions() as session:
        return list(await session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


async def test_a_mail_is_queued_only_if_the_action_commits(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, mailbox: Mailbox
) -> None:
    class Abandoned(Exception):
        pass

    async def abandon() -> None:
        async with sessions.begin() as session:
            await outbox.queue_mail(
                session, recipient=TO, subject="No", body="never", kind=MailKind.RESET, now=clock()
            )
            raise Abandoned

    with pytest.raises(Abandoned):
        await abandon()
    await queue(sessions, clock, "the link is https://node.test/password/reset/abc")
    assert await sender_for(sessions, clock, mailbox).send_due() == 1

    [mail] = mailbox.to(TO)
    assert mail.subject == "Hello"
    assert "https://node.test/password/reset/abc" in mail.text
    assert mail.message["From"] == "Kinfolk <noreply@node.test>"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    [row] = await rows(sessions)
    assert (row.sent_at, row.next_attempt_at, row.body) == (clock(), None, "")


async def test_a_mail_waits_while_the_server_is_down_and_goes_when_it_is_back(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    mailbox: Mailbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = sender_for(sessions, clock, mailbox)
    await queue(sessions, clock, "first try fails")
    mailbox.stop()
    assert await sender.send_due() == 1
    [row] = await rows(sessions)
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at == clock() + outbox.FIRST_RETRY
    failures = [r for r in caplog.records if r.name == "kinfolk.mail"]
    assert len(failures) == 1
    assert TO not in failures[0].getMessage()  # the log names the mail, not its address

    mailbox.start()
    assert await sender.send_due() == 0  # not due yet: no hammering
    clock.advance(outbox.FIRST_RETRY)
    assert await sender.send_due() == 1
    assert [m.text.strip() for m in mailbox.to(TO)] == ["first try fails"]
    [row] = await rows(sessions)
    assert row.sent_at == clock()


async def test_a_mail_not_sent_before_a_restart_is_sent_after_it(
    settings: Settings, clock: ManualClock, mailbox: Mailbox
) -> None:
    first = create_engine(settings.database_url, schema=settings.database_schema)
    await queue(create_sessionmaker(first), clock, "queued before the restart")
    await first.dispose()  # the node stops before its sender ran

    second = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        sender = sender_for(create_sessionmaker(second), clock, mailbox)
        assert await sender.run_once() == 1
    finally:
        await second.dispose()
    assert [m.text.strip() for m in mailbox.to(TO)] == ["queued before the restart"]


async def test_a_mail_claimed_by_one_sender_is_not_sent_by_another(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await queue(sessions, clock, "once")
    async with sessions.begin() as session:
        first = await outbox.claim_due(session, now=clock())
    async with sessions.begin() as session:
        second = await outbox.claim_due(session, now=clock())
    assert [m.body for m in first] == ["once"]
    assert second == []


async def test_a_sent_mail_is_forgotten_after_a_day_and_a_failing_one_is_given_up(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, mailbox: Mailbox
) -> None:
    sender = sender_for(sessions, clock, mailbox)
    await queue(sessions, clock, "sent")
    await sender.send_due()
    mailbox.stop()
    await queue(sessions, clock, "never arrives")
    for _ in range(outbox.MAX_ATTEMPTS):
        await sender.send_due()
        clock.advance(outbox.LONGEST_RETRY)
    _sent, abandoned = await rows(sessions)
    assert abandoned.attempts == outbox.MAX_ATTEMPTS
    assert (abandoned.next_attempt_at, abandoned.body) == (None, "")

    clock.advance(outbox.KEEP)
    await sender.purge()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (5, timedelta(minutes=16)),
        (7, timedelta(minutes=64)),
        (9, timedelta(hours=4)),
        (outbox.MAX_ATTEMPTS, None),
    ],
)
def test_retries_wait_longer_each_time_then_give_up(attempts: int, delay: timedelta | None) -> None:
    assert outbox.retry_delay(attempts) == delay
