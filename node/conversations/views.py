"""What the conversation services return: frozen values, built from rows in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.kinds import ConversationState
from node.storage.models.actors import Actor
from node.storage.models.conversations import Conversation, ConversationMessage
from node.views import ActorRef


@dataclass(frozen=True)
class ConversationView:
    id: int
    public_id: str
    uri: str
    request_uri: str | None
    asker_id: int
    recipient_id: int
    asker: ActorRef
    recipient: ActorRef
    state: ConversationState
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    ended_by: ActorRef | None
    last_activity_at: datetime
    # Messages the viewer has not seen yet (0 when listed for no one in particular).
    unread: int = 0
    # One of the two has blocked the other since (``node.boundaries``): nothing more can
    # be written, whatever the state says (as a member sees it: ``conversation_for``).
    blocked: bool = False

    @property
    def can_write(self) -> bool:
        return self.state == ConversationState.ACCEPTED and not self.blocked

    def other(self, actor_id: int) -> ActorRef:
        """The other member, seen from ``actor_id`` (one of the two)."""
        return self.recipient if actor_id == self.asker_id else self.asker

    @property
    def open(self) -> bool:
        return self.state in {ConversationState.REQUESTED, ConversationState.ACCEPTED}


@dataclass(frozen=True)
class MessageView:
    id: int
    public_id: str
    uri: str
    conversation_id: int
    conversation_uri: str
    author_id: int
    author: ActorRef
    text: str
    created_at: datetime
    # Message #1 came with the request.
    first: bool


@dataclass(frozen=True)
class UnreadCount:
    """What waits for a member: new messages in their conversations, and requests."""

    messages: int
    requests: int

    @property
    def total(self) -> int:
        return self.messages + self.requests


async def _refs(session: AsyncSession, ids: set[int]) -> dict[int, ActorRef]:
    if not ids:
        return {}
    rows = await session.scalars(select(Actor).where(Actor.id.in_(ids)))
    return {row.id: actor_ref(row) for row in rows}


async def conversation_views(
    session: AsyncSession, rows: Sequence[Conversation], unread: dict[int, int] | None = None
) -> list[ConversationView]:
    """Views of ``rows``, with each one's unread count if given (one query for actors)."""
    ids = {row.asker_id for row in rows} | {row.recipient_id for row in rows}
    ids |= {row.ended_by_id for row in rows if row.ended_by_id is not None}
    refs = await _refs(session, ids)
    unread = unread or {}
    return [
        ConversationView(
            id=row.id,
            public_id=row.public_id,
            uri=row.uri,
            request_uri=row.request_uri,
            asker_id=row.asker_id,
            recipient_id=row.recipient_id,
            asker=refs[row.asker_id],
            recipient=refs[row.recipient_id],
            state=row.state,
            created_at=row.created_at,
            answered_at=row.answered_at,
            ended_at=row.ended_at,
            ended_by=refs.get(row.ended_by_id) if row.ended_by_id is not None else None,
            last_activity_at=row.last_activity_at,
            unread=unread.get(row.id, 0),
        )
        for row in rows
    ]


async def conversation_view(session: AsyncSession, row: Conversation) -> ConversationView:
    (view,) = await conversation_views(session, [row])
    return view


async def message_views(
    session: AsyncSession, conversation: Conversation, rows: Sequence[ConversationMessage]
) -> list[MessageView]:
    refs = await _refs(session, {row.author_id for row in rows})
    first_id = await session.scalar(
        select(ConversationMessage.id)
        .where(ConversationMessage.conversation_id == conversation.id)
        .order_by(ConversationMessage.id)
        .limit(1)
    )
    return [
        MessageView(
            id=row.id,
            public_id=row.public_id,
            uri=row.uri,
            conversation_id=conversation.id,
            conversation_uri=conversation.uri,
            author_id=row.author_id,
            author=refs[row.author_id],
            text=row.text,
            created_at=row.created_at,
            first=row.id == first_id,
        )
        for row in rows
    ]
