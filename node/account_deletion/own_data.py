"""What was a deleted member's alone, and goes with the account at once: their topic
choices, the kind messages they were sent, a moderator's stepping back, their archive,
their notifications (and others' that named them: the name stays, its news goes),
their quiet hours, their check-ins, their address with its links and the mail still
waiting for it."""

from __future__ import annotations

from sqlalchemy import Delete, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.export.jobs import delete_archive_of
from node.storage.models.actors import Account, Actor
from node.storage.models.care import CareMessage, SteppingBack
from node.storage.models.checkins import CheckIn
from node.storage.models.mail import MailLink, MemberEmail, OutgoingMail
from node.storage.models.notifications import Notification, NotificationSettings
from node.storage.models.topic_filters import TopicFilter


async def bulk(session: AsyncSession, statement: Delete) -> None:
    """Run a bulk DELETE, no rows loaded."""
    await session.execute(statement.execution_options(synchronize_session=False))


async def _forget_address(session: AsyncSession, account: Account) -> None:
    """A reset link used afterwards finds nothing. Mail waiting for the address goes
    too, unless another account has that address (mail names no account, and theirs
    must still go)."""
    address = await session.scalar(
        select(MemberEmail.address).where(MemberEmail.account_id == account.id)
    )
    shared = await session.scalar(
        select(MemberEmail.account_id).where(
            MemberEmail.address == address, MemberEmail.account_id != account.id
        )
    )
    if address is not None and shared is None:
        await bulk(
            session,
            delete(OutgoingMail).where(
                OutgoingMail.recipient == address, OutgoingMail.sent_at.is_(None)
            ),
        )
    await bulk(session, delete(MemberEmail).where(MemberEmail.account_id == account.id))
    await bulk(session, delete(MailLink).where(MailLink.account_id == account.id))


async def forget_own_data(session: AsyncSession, account: Account, actor: Actor) -> None:
    await bulk(session, delete(TopicFilter).where(TopicFilter.account_id == account.id))
    await bulk(session, delete(CareMessage).where(CareMessage.member_id == actor.id))
    await bulk(session, delete(SteppingBack).where(SteppingBack.actor_id == actor.id))
    await delete_archive_of(session, account.id)
    await bulk(
        session,
        delete(Notification).where(
            or_(Notification.recipient_id == actor.id, Notification.actor_id == actor.id)
        ),
    )
    await bulk(
        session, delete(NotificationSettings).where(NotificationSettings.account_id == account.id)
    )
    await bulk(session, delete(CheckIn).where(CheckIn.owner_id == actor.id))
    await _forget_address(session, account)
