"""A member's own email address: adding or changing it (a verification link goes to
it), proving it, removing it, and the digest they may ask for.

The address is the member's alone: it is shown to them only, never on a profile, in
another member's view, in an export of someone else or in anything federated. Until
it is verified it receives nothing but its verification link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, TooManyAttempts
from node.mail import links, texts
from node.mail.kinds import DigestFrequency, LinkPurpose, MailKind
from node.mail.links import MailContext
from node.mail.outbox import queue_mail
from node.storage.models.actors import Account, Actor
from node.storage.models.mail import ADDRESS_MAX, MemberEmail
from node.views import Viewer

VERIFY_LIFETIME = timedelta(hours=24)
UNSUBSCRIBE_LIFETIME = timedelta(days=60)
# Verification mails per account per hour: enough for typos, too few to spam anyone.
MAX_VERIFICATIONS_PER_HOUR = 5
# One address, no display name, no whitespace or characters that could end a header.
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\]+")


@dataclass(frozen=True)
class EmailView:
    address: str
    verified: bool
    digest: DigestFrequency


def check_address(raw: str) -> str:
    address = raw.strip()
    if len(address) > ADDRESS_MAX or not _ADDRESS.fullmatch(address):
        raise InvalidInput("write one email address, such as ana@example.org", field="email")
    return address


def _view(row: MemberEmail) -> EmailView:
    return EmailView(row.address, row.verified_at is not None, row.digest)


async def get_email(session: AsyncSession, viewer: Viewer) -> EmailView | None:
    """The member's own address and digest choice, or None without an address."""
    row = await session.get(MemberEmail, viewer.account_id)
    return None if row is None else _view(row)


async def set_email(
    session: AsyncSession, mail: MailContext, viewer: Viewer, raw: str, *, now: datetime
) -> EmailView:
    """Add or change the address; a new one gets a verification link and nothing else."""
    address = check_address(raw)
    row = await session.get(MemberEmail, viewer.account_id)
    if row is not None and row.address == address and row.verified_at is not None:
        return _view(row)  # nothing changes; no mail
    since = now - timedelta(hours=1)
    sent = await links.links_since(
        session, viewer.account_id, LinkPurpose.VERIFY_EMAIL, since=since
    )
    if sent >= MAX_VERIFICATIONS_PER_HOUR:
        raise TooManyAttempts(
            "several verification links went out in the last hour; try again later",
            retry_after=timedelta(hours=1),
        )
    if row is None:
        row = MemberEmail(account_id=viewer.account_id, created_at=now)
        session.add(row)
    row.address, row.address_key, row.verified_at = address, address.casefold(), None
    await links.use_all(session, viewer.account_id, LinkPurpose.VERIFY_EMAIL, now=now)
    token = await links.create_link(
        session,
        viewer.account_id,
        LinkPurpose.VERIFY_EMAIL,
        lifetime=VERIFY_LIFETIME,
        now=now,
        address=address,
    )
    account, actor = await _account(session, viewer.account_id)
    text = texts.verification(
        account.locale,
        node=mail.node_name,
        handle=actor.handle,
        link=links.link_url(mail.site, LinkPurpose.VERIFY_EMAIL, token),
    )
    await queue_mail(
        session,
        recipient=address,
        subject=text.subject,
        body=text.body,
        kind=MailKind.VERIFY,
        now=now,
    )
    return _view(row)


async def verify_email(session: AsyncSession, token: str, *, now: datetime) -> EmailView:
    """Prove an address by its link (signed in or not: the link is the proof)."""
    link = await links.valid_link(session, token, LinkPurpose.VERIFY_EMAIL, now=now)
    row = await session.get(MemberEmail, link.account_id)
    if row is None or row.address != link.address:
        raise links.LinkNotValid("expired")  # the address was changed or removed since
    row.verified_at = now
    link.used_at = now
    return _view(row)


async def remove_email(session: AsyncSession, viewer: Viewer, *, now: datetime) -> None:
    """Forget the address (and with it the digest); its open links stop working."""
    row = await session.get(MemberEmail, viewer.account_id)
    if row is not None:
        await session.delete(row)
    for purpose in LinkPurpose:
        if purpose is not LinkPurpose.RESET_PASSWORD:
            await links.use_all(session, viewer.account_id, purpose, now=now)


async def set_digest(
    session: AsyncSession, viewer: Viewer, frequency: DigestFrequency
) -> EmailView:
    """Choose the digest; only a verified address can receive one. The first counts every
    unread notification, the next ones what came after the one before."""
    row = await session.get(MemberEmail, viewer.account_id)
    if frequency is not DigestFrequency.OFF and (row is None or row.verified_at is None):
        raise InvalidInput("a digest needs a verified email address first", field="digest")
    if row is None:
        raise InvalidInput("there is no email address to stop mail to", field="digest")
    row.digest = frequency
    return _view(row)


async def unsubscribe(session: AsyncSession, token: str, *, now: datetime) -> None:
    """Turn the digest off from the link in a digest, without signing in."""
    link = await links.valid_link(session, token, LinkPurpose.UNSUBSCRIBE, now=now)
    row = await session.get(MemberEmail, link.account_id)
    if row is not None:
        row.digest = DigestFrequency.OFF


async def _account(session: AsyncSession, account_id: int) -> tuple[Account, Actor]:
    account = await session.get_one(Account, account_id)
    return account, await session.get_one(Actor, account.actor_id)
