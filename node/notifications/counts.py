"""How many of a member's notifications are new: for the header and the API (none
during quiet hours), and by kind for the email digest (which asks ``is_quiet`` itself)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.boundaries.checks import hidden_actors
from node.kinds import NotificationKind
from node.notifications.quiet import quiet_hours_of, quiet_until
from node.notifications.views import UnreadNotifications
from node.storage.models.actors import Account
from node.storage.models.notifications import Notification


def shown_to(recipient_id: int) -> ColumnElement[bool]:
    """The recipient's notifications, but for those from people they have since muted or
    blocked (they were not told then, and are not now)."""
    return and_(
        Notification.recipient_id == recipient_id,
        or_(
            Notification.actor_id.is_(None),
            Notification.actor_id.not_in(hidden_actors(recipient_id)),
        ),
    )


async def _actor_of(session: AsyncSession, account_id: int) -> int | None:
    return await session.scalar(select(Account.actor_id).where(Account.id == account_id))


async def unread_counts_since(
    session: AsyncSession, account_id: int, *, since: datetime | None
) -> dict[NotificationKind, int]:
    """The member's (``accounts.id``) unread notifications created after ``since`` (None:
    every unread one), counted by kind: numbers only, never what they say."""
    actor_id = await _actor_of(session, account_id)
    if actor_id is None:
        return {}
    statement = (
        select(Notification.kind, func.count(Notification.id))
        .where(shown_to(actor_id), Notification.read_at.is_(None))
        .group_by(Notification.kind)
    )
    if since is not None:
        statement = statement.where(Notification.created_at > since)
    return {kind: count for kind, count in await session.execute(statement)}


async def unread_count(
    session: AsyncSession, account_id: int, actor_id: int, *, now: datetime
) -> UnreadNotifications:
    """How many notifications are new for the member now: 0 during their quiet hours,
    with when those end; nothing is lost, they count again once the window is over."""
    until = quiet_until(await quiet_hours_of(session, account_id), now)
    if until is not None:
        return UnreadNotifications(count=0, quiet_until=until)
    count = await session.scalar(unread_query(actor_id))
    return UnreadNotifications(count=count or 0, quiet_until=None)


def unread_query(actor_id: int) -> Select[int]:
    """The count of the member's unread notifications, quiet hours aside, as a query."""
    return select(func.count(Notification.id)).where(
        shown_to(actor_id), Notification.read_at.is_(None)
    )
