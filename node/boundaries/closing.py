"""A block closes the conversations it stands between, as it ends follows; a deleted
account closes all of its own.

A block means no more messages either way; leaving the conversation open would only
show a form whose every message is refused. So the moment a block is made (here, by
one of our members, or by someone elsewhere whose server tells us) any open request or
conversation between the two is closed for good: a request the blocker was asked is
declined, anything else ended, and talking again takes a new request, which the block
refuses. Nothing is sent for it: the ``Block`` itself reaches the other server, and a
Kinfolk node closes its side on receipt the same way.

This works on the conversation rows directly rather than through ``node.conversations``,
which itself blocks through ``node.boundaries`` when a request is declined with a block.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from node.kinds import ConversationState
from node.storage.models.actors import Actor
from node.storage.models.conversations import Conversation


def _between(one_id: int, other_id: int) -> ColumnElement[bool]:
    return or_(
        and_(Conversation.asker_id == one_id, Conversation.recipient_id == other_id),
        and_(Conversation.asker_id == other_id, Conversation.recipient_id == one_id),
    )


async def _close(
    session: AsyncSession, rows: list[Conversation], blocker_id: int, now: datetime
) -> None:
    for row in rows:
        asked_blocker = row.state == ConversationState.REQUESTED and row.recipient_id == blocker_id
        row.state = ConversationState.DECLINED if asked_blocker else ConversationState.ENDED
        if asked_blocker:
            row.answered_at = now
        else:
            row.ended_at = now
            row.ended_by_id = blocker_id
        row.open_pair = None
        row.last_activity_at = now
    await session.flush()


async def close_between(
    session: AsyncSession, blocker_id: int, other_id: int, now: datetime
) -> None:
    """``blocker_id`` blocked ``other_id``: their open request or conversation closes."""
    rows = await session.scalars(
        select(Conversation).where(
            _between(blocker_id, other_id), Conversation.open_pair.is_not(None)
        )
    )
    await _close(session, list(rows), blocker_id, now)


async def close_all_of(session: AsyncSession, gone_id: int, now: datetime) -> list[Conversation]:
    """``gone_id`` deleted their account (here or elsewhere): every open request and
    conversation of theirs closes, as their block would close it; the rows closed."""
    rows = list(
        await session.scalars(
            select(Conversation).where(
                Conversation.open_pair.is_not(None),
                or_(Conversation.asker_id == gone_id, Conversation.recipient_id == gone_id),
            )
        )
    )
    await _close(session, rows, gone_id, now)
    return rows


async def close_with_node(
    session: AsyncSession, blocker_id: int, domain: str, now: datetime
) -> None:
    """``blocker_id`` blocked a whole node for themselves: their open requests and
    conversations with anyone there close."""
    there = select(Actor.id).where(Actor.domain == domain, ~Actor.local)
    rows = await session.scalars(
        select(Conversation).where(
            Conversation.open_pair.is_not(None),
            or_(
                and_(Conversation.asker_id == blocker_id, Conversation.recipient_id.in_(there)),
                and_(Conversation.recipient_id == blocker_id, Conversation.asker_id.in_(there)),
            ),
        )
    )
    await _close(session, list(rows), blocker_id, now)
