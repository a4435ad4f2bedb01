"""One-time links: verifying an address, resetting a password, stopping the digest.

A link carries a random token; only its SHA-256 is stored, with its purpose, its
expiry and when it was used, so a copy of the database opens no account. A link is
refused kindly, saying whether it expired or was used already.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.mail.kinds import LinkPurpose
from node.site import Site
from node.storage.models.mail import MailLink

TOKEN_MAX = 64  # a token is 43 characters; anything much longer is not ours
PATHS = {
    LinkPurpose.VERIFY_EMAIL: "/email/verify",
    LinkPurpose.RESET_PASSWORD: "/password/reset",
    LinkPurpose.UNSUBSCRIBE: "/email/unsubscribe",
}


class LinkNotValid(InvalidInput):
    """A link that is unknown, expired or used; ``reason`` says which, for a kind word."""

    code = "link_not_valid"

    def __init__(self, reason: Literal["unknown", "expired", "used"]) -> None:
        messages = {
            "unknown": "this link is not known here; it may have been copied incompletely",
            "expired": "this link has expired; ask for a new one",
            "used": "this link was used already; ask for a new one if you need it",
        }
        super().__init__(messages[reason], field="token")
        self.reason = reason


@dataclass(frozen=True)
class MailContext:
    """What a mail names: the node's address (for links) and its name."""

    site: Site
    node_name: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(site: Site, purpose: LinkPurpose, token: str) -> str:
    return f"{site.base_url}{PATHS[purpose]}/{token}"


async def create_link(
    session: AsyncSession,
    account_id: int,
    purpose: LinkPurpose,
    *,
    lifetime: timedelta,
    now: datetime,
    address: str = "",
) -> str:
    """A new link's token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        MailLink(
            account_id=account_id,
            purpose=purpose,
            token_hash=token_hash(token),
            address=address,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return token


async def valid_link(
    session: AsyncSession, token: str, purpose: LinkPurpose, *, now: datetime
) -> MailLink:
    """The link for ``token``, if it serves ``purpose``, is unused and has not expired."""
    link = None
    if 0 < len(token) <= TOKEN_MAX:
        link = await session.scalar(
            select(MailLink).where(
                MailLink.token_hash == token_hash(token), MailLink.purpose == purpose
            )
        )
    if link is None:
        raise LinkNotValid("unknown")
    if link.used_at is not None:
        raise LinkNotValid("used")
    if link.expires_at <= now:
        raise LinkNotValid("expired")
    return link


async def links_since(
    session: AsyncSession, account_id: int, purpose: LinkPurpose, *, since: datetime
) -> int:
    """How many links of ``purpose`` the account was given after ``since`` (rate limits)."""
    count = await session.scalar(
        select(func.count())
        .select_from(MailLink)
        .where(
            MailLink.account_id == account_id,
            MailLink.purpose == purpose,
            MailLink.created_at > since,
        )
    )
    return int(count or 0)


async def use_all(
    session: AsyncSession, account_id: int, purpose: LinkPurpose, *, now: datetime
) -> None:
    """Mark every open link of ``purpose`` used (one reset ends the others)."""
    links = await session.scalars(
        select(MailLink).where(
            MailLink.account_id == account_id,
            MailLink.purpose == purpose,
            MailLink.used_at.is_(None),
        )
    )
    for link in links:
        link.used_at = now


async def purge_expired(session: AsyncSession, *, now: datetime, keep: timedelta) -> int:
    """Delete links expired more than ``keep`` ago (kept a while to say "expired")."""
    result = await session.execute(delete(MailLink).where(MailLink.expires_at < now - keep))
    return int(getattr(result, "rowcount", 0) or 0)
