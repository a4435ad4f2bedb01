"""Recovering an account: a reset link by mail, or one an admin prints with the CLI.

Asking for a link always gets the same answer, whether or not the name or address
belongs to anyone: the form cannot be used to learn who is a member here. A link
goes only to a verified address, at most ``MAX_RESETS_PER_HOUR`` an hour per account,
works once within ``RESET_LIFETIME`` and, once used, ends every session of the
account (API tokens and the pages' sign-ins alike) and every other reset link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.handles import handle_key
from node.mail import links, texts
from node.mail.kinds import LinkPurpose, MailKind
from node.mail.links import MailContext
from node.mail.outbox import queue_mail
from node.passwords import Passwords, validate_password
from node.site import Site
from node.storage.models.actors import Account, Actor, ApiToken
from node.storage.models.mail import MemberEmail
from node.views import Viewer

RESET_LIFETIME = timedelta(hours=1)
ADMIN_LINK_LIFETIME = timedelta(hours=24)
MAX_RESETS_PER_HOUR = 3


async def _accounts_named(
    session: AsyncSession, site: Site, name_or_address: str
) -> list[tuple[Account, Actor, MemberEmail]]:
    """Accounts of this node, with a verified address, named by username or address."""
    name = name_or_address.strip()
    query = (
        select(Account, Actor, MemberEmail)
        .join(Actor, Account.actor_id == Actor.id)
        .join(MemberEmail, MemberEmail.account_id == Account.id)
        .where(MemberEmail.verified_at.is_not(None), Account.suspended_at.is_(None))
    )
    if "@" in name.lstrip("@"):
        query = query.where(MemberEmail.address_key == name.casefold())
    else:
        query = query.where(
            Actor.domain == site.domain, Actor.handle_key == handle_key(name.lstrip("@"))
        )
    return [(row[0], row[1], row[2]) for row in await session.execute(query.limit(10))]


async def request_reset(
    session: AsyncSession, mail: MailContext, name_or_address: str, *, now: datetime
) -> None:
    """Queue a reset link to each matching verified address; silent either way."""
    if not name_or_address.strip() or len(name_or_address) > 300:
        return
    for account, actor, email in await _accounts_named(session, mail.site, name_or_address):
        recent = await links.links_since(
            session, account.id, LinkPurpose.RESET_PASSWORD, since=now - timedelta(hours=1)
        )
        if recent >= MAX_RESETS_PER_HOUR:
            continue  # enough links are on their way; more would only fill the mailbox
        token = await links.create_link(
            session, account.id, LinkPurpose.RESET_PASSWORD, lifetime=RESET_LIFETIME, now=now
        )
        text = texts.password_reset(
            account.locale,
            node=mail.node_name,
            handle=actor.handle,
            link=links.link_url(mail.site, LinkPurpose.RESET_PASSWORD, token),
            hours=int(RESET_LIFETIME.total_seconds() // 3600),
        )
        await queue_mail(
            session,
            recipient=email.address,
            subject=text.subject,
            body=text.body,
            kind=MailKind.RESET,
            now=now,
        )


async def admin_reset_link(
    session: AsyncSession, site: Site, member: Viewer, *, now: datetime
) -> str:
    """A one-time reset link for an admin to hand over (no mail needed): 24 hours."""
    token = await links.create_link(
        session,
        member.account_id,
        LinkPurpose.RESET_PASSWORD,
        lifetime=ADMIN_LINK_LIFETIME,
        now=now,
    )
    return links.link_url(site, LinkPurpose.RESET_PASSWORD, token)


async def check_reset_link(session: AsyncSession, token: str, *, now: datetime) -> None:
    """Raise ``LinkNotValid`` unless the link can still set a password."""
    await links.valid_link(session, token, LinkPurpose.RESET_PASSWORD, now=now)


async def reset_password(
    session: AsyncSession, passwords: Passwords, token: str, new_password: str, *, now: datetime
) -> str:
    """Set a new password by a reset link; signs out every session. The member's handle."""
    link = await links.valid_link(session, token, LinkPurpose.RESET_PASSWORD, now=now)
    validate_password(new_password)
    account = await session.get_one(Account, link.account_id)
    account.password_hash = await passwords.hash(new_password)
    await links.use_all(session, account.id, LinkPurpose.RESET_PASSWORD, now=now)
    await session.execute(delete(ApiToken).where(ApiToken.account_id == account.id))
    actor = await session.get_one(Actor, account.actor_id)
    return actor.handle
