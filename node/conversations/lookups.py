"""Finding a conversation: by what federation names it by, or as one of its two members.

Anyone but the two members gets ``NotFound``, the same answer as for a conversation that
does not exist: its address says nothing about whether it is there.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.boundaries.checks import blocks
from node.conversations.views import ConversationView, conversation_view
from node.errors import NotFound
from node.storage.models.conversations import Conversation, ConversationMessage


def pair_key(a_id: int, b_id: int) -> str:
    """The same for both orders of the two: what keeps one open conversation per pair."""
    return f"{min(a_id, b_id)}:{max(a_id, b_id)}"


def _missing() -> NotFound:
    return NotFound("there is no such conversation")


async def party_row(session: AsyncSession, conversation_id: int, actor_id: int) -> Conversation:
    """Conversation ``conversation_id`` if ``actor_id`` is one of its two members."""
    row = await session.get(Conversation, conversation_id)
    if row is None or actor_id not in {row.asker_id, row.recipient_id}:
        raise _missing()
    return row


async def conversation_for(
    session: AsyncSession, public_id: str, viewer_id: int
) -> ConversationView:
    """The conversation the API and pages name ``public_id``, for one of its members,
    saying whether a block between the two has closed it since."""
    row = await session.scalar(select(Conversation).where(Conversation.public_id == public_id))
    if row is None or viewer_id not in {row.asker_id, row.recipient_id}:
        raise _missing()
    view = await conversation_view(session, row)
    blocked = await blocks(session, row.asker_id, row.recipient_id) or await blocks(
        session, row.recipient_id, row.asker_id
    )
    return replace(view, blocked=blocked)


async def conversation_by_uri(session: AsyncSession, uri: str) -> ConversationView | None:
    row = await session.scalar(select(Conversation).where(Conversation.uri == uri))
    return None if row is None else await conversation_view(session, row)


async def conversation_by_request_uri(
    session: AsyncSession, request_uri: str
) -> ConversationView | None:
    """The conversation asked for by the activity ``request_uri``."""
    row = await session.scalar(select(Conversation).where(Conversation.request_uri == request_uri))
    return None if row is None else await conversation_view(session, row)


async def conversation_of_message_uri(
    session: AsyncSession, message_uri: str
) -> ConversationView | None:
    """The conversation holding the message ``message_uri`` (what a reply answers)."""
    row = await session.scalar(
        select(Conversation)
        .join(ConversationMessage, ConversationMessage.conversation_id == Conversation.id)
        .where(ConversationMessage.uri == message_uri)
    )
    return None if row is None else await conversation_view(session, row)


async def open_between(session: AsyncSession, a_id: int, b_id: int) -> ConversationView | None:
    """The request or accepted conversation between the two, whoever asked."""
    row = await session.scalar(
        select(Conversation).where(Conversation.open_pair == pair_key(a_id, b_id))
    )
    return None if row is None else await conversation_view(session, row)


async def set_request_uri(session: AsyncSession, conversation_id: int, request_uri: str) -> None:
    """Federation named the activity that carries our member's request."""
    row = await session.get_one(Conversation, conversation_id)
    row.request_uri = request_uri
    await session.flush()
