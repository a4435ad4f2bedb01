"""Writing a notification, under the rules every kind shares.

Nobody is told about what they did themselves; nothing reaches a member from someone
they muted or blocked (or from a node they blocked); a suspended or deleted member gets nothing.
Whoever caused it is named only when they may be: a moderator acts for the group and is
not named (as the moderation notices never named them), and an anonymous writer is
shown as the group's anonymous member, to the person told as to everyone. An anonymous
cause is never weighed against mutes or blocks, since that would say who wrote it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.boundaries.checks import hidden_actors
from node.kinds import NotificationKind
from node.storage.models.actors import Account
from node.storage.models.notifications import Notification


async def notify(
    session: AsyncSession,
    recipient_id: int,
    kind: NotificationKind,
    *,
    now: datetime,
    actor_id: int | None = None,
    named: bool = True,
    anonymous: bool = False,
    post_id: int | None = None,
    group_id: int | None = None,
    conversation_id: int | None = None,
    meeting_id: int | None = None,
    reason: str = "",
) -> bool:
    """Tell our member ``recipient_id`` (an actor id) of ``kind``, caused by ``actor_id``
    (``named``: may they be shown; ``anonymous``: an anonymous writer) about a post, a
    group, a conversation or a meeting. False when the rules above say nothing is to be told."""
    if actor_id is not None and actor_id == recipient_id:
        return False
    gone = await session.scalar(
        select(Account.suspended_at.is_not(None) | Account.deleted_at.is_not(None)).where(
            Account.actor_id == recipient_id
        )
    )
    if gone is None or gone:
        return False  # not a member here, suspended, or deleted
    if actor_id is not None and named and not anonymous:
        hidden = hidden_actors(recipient_id).subquery()
        if await session.scalar(select(hidden.c[0]).where(hidden.c[0] == actor_id)) is not None:
            return False
    session.add(
        Notification(
            recipient_id=recipient_id,
            kind=kind,
            actor_id=actor_id if named and not anonymous else None,
            anonymous=anonymous,
            post_id=post_id,
            group_id=group_id,
            conversation_id=conversation_id,
            meeting_id=meeting_id,
            reason=reason[:500],
            created_at=now,
        )
    )
    await session.flush()
    return True
