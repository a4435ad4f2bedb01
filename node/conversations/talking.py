"""Talking in an accepted conversation, reading it, and ending it.

Only the two members write, and only while the conversation is accepted: before the
answer and after the end every message is refused (``ConversationClosed``), on this
node whatever the other node sends. Ending is final; talking again takes a new request.
Each member's read mark is the newest message they have seen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.boundaries.checks import blocks
from node.conversations.asking import new_id
from node.conversations.errors import ConversationClosed
from node.conversations.lookups import party_row
from node.conversations.text import check_text
from node.conversations.views import ConversationView, MessageView, conversation_view, message_views
from node.events import EventKind
from node.events import record as record_event
from node.kinds import ConversationState, NotificationKind
from node.notifications.reading import mark_conversation_read
from node.notifications.recording import notify
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.conversations import Conversation, ConversationMessage


def other_id(row: Conversation, actor_id: int) -> int:
    return row.recipient_id if actor_id == row.asker_id else row.asker_id


async def send_message(
    session: AsyncSession,
    site: Site,
    conversation_id: int,
    author: int,
    text: str,
    now: datetime,
    *,
    uri: str | None = None,
) -> MessageView:
    """``author`` (one of the two) writes ``text`` in an accepted conversation."""
    row = await party_row(session, conversation_id, author)
    if row.state == ConversationState.REQUESTED:
        raise ConversationClosed("Messages can be sent once your request is accepted.")
    if row.state != ConversationState.ACCEPTED:
        raise ConversationClosed("This conversation has ended.")
    other = other_id(row, author)
    if await blocks(session, other, author) or await blocks(session, author, other):
        raise ConversationClosed("This conversation has ended.")
    text = check_text(text)
    public_id = new_id()
    message = ConversationMessage(
        public_id=public_id,
        conversation_id=row.id,
        author_id=author,
        text=text,
        uri=uri or site.conversation_message_uri(public_id),
        created_at=now,
    )
    session.add(message)
    await session.flush()
    row.last_activity_at = now
    _set_read_mark(row, author, message.id)
    await notify(
        session,
        other,
        NotificationKind.CONVERSATION_MESSAGE,
        actor_id=author,
        conversation_id=row.id,
        now=now,
    )
    if not (await session.get_one(Actor, other)).local:
        await record_event(
            session, EventKind.CONVERSATION_MESSAGE, actor_id=author, subject_id=message.id, now=now
        )
    await session.flush()
    (view,) = await message_views(session, row, [message])
    return view


async def end(
    session: AsyncSession, conversation_id: int, by: int, now: datetime
) -> ConversationView:
    """Either member ends the conversation, for good (the asker may also withdraw a
    request not answered yet); nothing more is written in it."""
    row = await party_row(session, conversation_id, by)
    withdrawing = row.state == ConversationState.REQUESTED and row.asker_id == by
    if row.state != ConversationState.ACCEPTED and not withdrawing:
        raise ConversationClosed("This conversation is not open.")
    row.state = ConversationState.ENDED
    row.open_pair = None
    row.ended_at = row.last_activity_at = now
    row.ended_by_id = by
    if not (await session.get_one(Actor, other_id(row, by))).local:
        await record_event(
            session, EventKind.CONVERSATION_ENDED, actor_id=by, subject_id=row.id, now=now
        )
    await session.flush()
    return await conversation_view(session, row)


def _set_read_mark(row: Conversation, actor_id: int, message_id: int | None) -> None:
    if actor_id == row.asker_id:
        row.asker_read_id = message_id
    else:
        row.recipient_read_id = message_id


async def mark_read(
    session: AsyncSession, conversation_id: int, viewer: int, now: datetime
) -> None:
    """``viewer`` has seen every message of the conversation so far."""
    row = await party_row(session, conversation_id, viewer)
    newest = await session.scalar(
        select(ConversationMessage.id)
        .where(ConversationMessage.conversation_id == row.id)
        .order_by(ConversationMessage.id.desc())
        .limit(1)
    )
    _set_read_mark(row, viewer, newest)
    await mark_conversation_read(session, viewer, row.id, now=now)
    await session.flush()
