"""A member's private calendar feed: an unguessable URL they can rotate or revoke.

The token is 32 random bytes, shown once when made; only its SHA-256 is kept, so the
database alone does not open anyone's feed. Rotating replaces it (the old URL stops
working at once); revoking removes it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.models.actors import Account
from node.storage.models.meetings import CalendarFeed
from node.views import Viewer


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def has_feed(session: AsyncSession, viewer: Viewer) -> bool:
    return await session.get(CalendarFeed, viewer.account_id) is not None


async def rotate_feed(session: AsyncSession, viewer: Viewer, *, now: datetime) -> str:
    """A new token for the member's feed (the old one, if any, stops working)."""
    token = secrets.token_urlsafe(32)
    row = await session.get(CalendarFeed, viewer.account_id)
    if row is None:
        row = CalendarFeed(account_id=viewer.account_id)
        session.add(row)
    row.token_hash, row.created_at = _hash(token), now
    await session.flush()
    return token


async def revoke_feed(session: AsyncSession, viewer: Viewer) -> bool:
    """The member's feed URL stops working; False when there was none."""
    row = await session.get(CalendarFeed, viewer.account_id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


async def feed_owner(session: AsyncSession, token: str) -> Viewer | None:
    """Whose feed ``token`` opens, if anyone's (a suspended or deleted member's, none)."""
    if not token or len(token) > 128:
        return None
    account = await session.scalar(
        select(Account)
        .join(CalendarFeed, CalendarFeed.account_id == Account.id)
        .where(CalendarFeed.token_hash == _hash(token))
    )
    if account is None or account.suspended_at is not None or account.deleted_at is not None:
        return None
    return Viewer(account_id=account.id, actor_id=account.actor_id, role=account.role)
