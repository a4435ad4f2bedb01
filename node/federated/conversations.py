"""Conversations by consent as federation meets them: what leaves, and what arrives.

What leaves is a conversation or one of its messages, with the two members as
``KnownActor`` values (federation keeps their inboxes by id), the other member's handle
for the mention, and the message it answers: the other member's newest one before it,
so that their software threads it. What arrives is a request from a member of another
node, for which ``ask`` needs the two rows: federation names them by value, and the rows
are loaded here, never handed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.conversations import ConversationView, MessageView, ask
from node.conversations.views import conversation_view, message_views
from node.federated.actors import KnownActor, known
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.conversations import Conversation, ConversationMessage


@dataclass(frozen=True)
class Parties:
    """A conversation's two members, as seen from one of them (``speaker``)."""

    conversation: ConversationView
    speaker: KnownActor
    other: KnownActor
    other_acct: str  # ``name@domain``, for the mention


@dataclass(frozen=True)
class OutgoingMessage:
    """A message written here, to go to the other member's node."""

    parties: Parties
    message: MessageView
    in_reply_to: str | None  # the other member's newest message before this one


async def _parties(session: AsyncSession, row: Conversation, speaker_id: int) -> Parties:
    view = await conversation_view(session, row)
    other_id = row.recipient_id if speaker_id == row.asker_id else row.asker_id
    speaker = await session.get_one(Actor, speaker_id)
    other = await session.get_one(Actor, other_id)
    return Parties(view, known(speaker), known(other), f"{other.handle}@{other.domain}")


async def conversation_from(
    session: AsyncSession, conversation_id: int, speaker_id: int
) -> Parties | None:
    """Conversation ``conversation_id`` as ``speaker_id`` (one of its two) sees it."""
    row = await session.get(Conversation, conversation_id)
    if row is None or speaker_id not in {row.asker_id, row.recipient_id}:
        return None
    return await _parties(session, row, speaker_id)


async def _outgoing(
    session: AsyncSession, row: Conversation, message: ConversationMessage
) -> OutgoingMessage:
    parties = await _parties(session, row, message.author_id)
    (view,) = await message_views(session, row, [message])
    answered = await session.scalar(
        select(ConversationMessage.uri)
        .where(
            ConversationMessage.conversation_id == row.id,
            ConversationMessage.author_id == parties.other.id,
            ConversationMessage.id < message.id,
        )
        .order_by(ConversationMessage.id.desc())
        .limit(1)
    )
    return OutgoingMessage(parties, view, answered)


async def outgoing_message(session: AsyncSession, message_id: int) -> OutgoingMessage | None:
    """Message ``message_id``, as it goes to the other member's node."""
    message = await session.get(ConversationMessage, message_id)
    if message is None:
        return None
    row = await session.get_one(Conversation, message.conversation_id)
    return await _outgoing(session, row, message)


async def request_message(session: AsyncSession, conversation_id: int) -> OutgoingMessage | None:
    """The first message of conversation ``conversation_id``: the request, by its asker."""
    row = await session.get(Conversation, conversation_id)
    first = await session.scalar(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id)
        .limit(1)
    )
    if row is None or first is None:
        return None
    return await _outgoing(session, row, first)


async def asked_from_elsewhere(
    session: AsyncSession,
    site: Site,
    asker: KnownActor,
    recipient: KnownActor,
    text: str,
    now: datetime,
    *,
    uri: str | None,
    request_uri: str,
    message_uri: str,
) -> ConversationView:
    """Someone on another node asks our member to talk (``ask``'s refusals, as it
    raises them)."""
    asker_row = await session.get_one(Actor, asker.id)
    recipient_row = await session.get_one(Actor, recipient.id)
    return await ask(
        session,
        site,
        asker_row,
        recipient_row,
        text,
        now,
        uri=uri,
        request_uri=request_uri,
        message_uri=message_uri,
    )


async def message_known(session: AsyncSession, uri: str) -> bool:
    """Whether a message with id ``uri`` is held here (a delivery seen twice)."""
    found = await session.scalar(
        select(ConversationMessage.id).where(ConversationMessage.uri == uri)
    )
    return found is not None
