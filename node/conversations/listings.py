"""What a member sees of their conversations: requests, conversations, messages, and
how many wait unread. Each list is one member's own; messages only the two members'."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from node.boundaries.checks import hidden_actors, hidden_from
from node.conversations.lookups import party_row
from node.conversations.views import (
    ConversationView,
    MessageView,
    UnreadCount,
    conversation_views,
    message_views,
)
from node.kinds import ConversationState
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.storage.models.conversations import Conversation, ConversationMessage

TALKED_STATES = (ConversationState.ACCEPTED, ConversationState.ENDED)


def _unread_condition(viewer: int) -> ColumnElement[bool]:
    """A message of a conversation ``viewer`` is in, by the other, past their mark."""
    return and_(
        ConversationMessage.author_id != viewer,
        or_(
            and_(
                Conversation.asker_id == viewer,
                ConversationMessage.id > func.coalesce(Conversation.asker_read_id, 0),
            ),
            and_(
                Conversation.recipient_id == viewer,
                ConversationMessage.id > func.coalesce(Conversation.recipient_read_id, 0),
            ),
        ),
    )


async def _unread_by_conversation(
    session: AsyncSession, viewer: int, conversation_ids: list[int]
) -> dict[int, int]:
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(Conversation.id, func.count(ConversationMessage.id))
        .join(ConversationMessage, ConversationMessage.conversation_id == Conversation.id)
        .where(Conversation.id.in_(conversation_ids), _unread_condition(viewer))
        .group_by(Conversation.id)
    )
    return {conversation_id: count for conversation_id, count in rows}


async def _waiting_for(session: AsyncSession, viewer: int) -> ColumnElement[bool]:
    """Requests for ``viewer`` to answer, but for those of people they muted or blocked."""
    condition = and_(
        Conversation.recipient_id == viewer, Conversation.state == ConversationState.REQUESTED
    )
    hidden = await hidden_from(session, viewer)
    return and_(condition, Conversation.asker_id.not_in(hidden)) if hidden else condition


async def _newest_first(
    session: AsyncSession,
    statement: Select[Conversation],
    moment: InstrumentedAttribute[datetime],
    cursor: str | None,
    limit: int,
) -> tuple[list[Conversation], str | None]:
    """One page of ``statement``'s conversations, newest ``moment`` first (the row id
    breaking ties), and the cursor for the next page."""
    if cursor:
        at, row_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(or_(moment < at, and_(moment == at, Conversation.id < row_id)))
    ordered = statement.order_by(moment.desc(), Conversation.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(ordered))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, moment.key), last.id)


async def requests_for(
    session: AsyncSession,
    viewer: int,
    cursor: str | None = None,
    *,
    limit: int | None = None,
    sent: bool = False,
) -> Page[ConversationView]:
    """The requests waiting for ``viewer``'s answer, newest first (who asks, not what);
    none from people the viewer muted or blocked. ``sent``: instead, those the viewer
    sent that wait for an answer (so they can find one again, or withdraw it)."""
    limit = check_limit(limit)
    if sent:
        condition = and_(
            Conversation.asker_id == viewer, Conversation.state == ConversationState.REQUESTED
        )
    else:
        condition = await _waiting_for(session, viewer)
    rows, next_cursor = await _newest_first(
        session, select(Conversation).where(condition), Conversation.created_at, cursor, limit
    )
    return Page(items=await conversation_views(session, rows), next_cursor=next_cursor)


async def conversations_of(
    session: AsyncSession, viewer: int, cursor: str | None = None, *, limit: int | None = None
) -> Page[ConversationView]:
    """``viewer``'s accepted and ended conversations, the newest activity first."""
    limit = check_limit(limit)
    statement = select(Conversation).where(
        or_(Conversation.asker_id == viewer, Conversation.recipient_id == viewer),
        Conversation.state.in_(TALKED_STATES),
    )
    rows, next_cursor = await _newest_first(
        session, statement, Conversation.last_activity_at, cursor, limit
    )
    unread = await _unread_by_conversation(session, viewer, [row.id for row in rows])
    return Page(items=await conversation_views(session, rows, unread), next_cursor=next_cursor)


async def messages(
    session: AsyncSession,
    conversation_id: int,
    viewer: int,
    cursor: str | None = None,
    *,
    limit: int | None = None,
) -> Page[MessageView]:
    """The messages of a conversation, newest first, for its two members only (anyone
    else: ``NotFound``). The recipient of a request reads message #1 here."""
    row = await party_row(session, conversation_id, viewer)
    limit = check_limit(limit)
    statement = select(ConversationMessage).where(ConversationMessage.conversation_id == row.id)
    if cursor:
        (before,) = decode_cursor(cursor, int)
        statement = statement.where(ConversationMessage.id < before)
    found = list(
        await session.scalars(statement.order_by(ConversationMessage.id.desc()).limit(limit + 1))
    )
    next_cursor = encode_cursor(found[limit - 1].id) if len(found) > limit else None
    return Page(items=await message_views(session, row, found[:limit]), next_cursor=next_cursor)


def unread_messages_query(viewer: int) -> Select[int]:
    """The count of new messages in ``viewer``'s conversations, as a query."""
    return (
        select(func.count(ConversationMessage.id))
        .join(Conversation, ConversationMessage.conversation_id == Conversation.id)
        .where(
            or_(Conversation.asker_id == viewer, Conversation.recipient_id == viewer),
            Conversation.state.in_(TALKED_STATES),
            _unread_condition(viewer),
        )
    )


def waiting_requests_query(viewer: int) -> Select[int]:
    """The count of requests waiting for ``viewer``'s answer, but for those of people
    they muted or blocked (filtered in the database, as ``_waiting_for`` does in Python)."""
    return select(func.count(Conversation.id)).where(
        Conversation.recipient_id == viewer,
        Conversation.state == ConversationState.REQUESTED,
        Conversation.asker_id.not_in(hidden_actors(viewer)),
    )


async def unread_count(session: AsyncSession, viewer: int) -> UnreadCount:
    """New messages in ``viewer``'s conversations, and requests waiting for an answer."""
    unread_messages = await session.scalar(unread_messages_query(viewer))
    requests = await session.scalar(waiting_requests_query(viewer))
    return UnreadCount(messages=unread_messages or 0, requests=requests or 0)
