"""One-on-one conversations by consent: a request, and the messages of the two members.

A conversation is between two actors, at least one of them ours. It starts as a request
whose first message is message #1; nothing more is accepted until the recipient says yes,
and after either member ends it nothing more is added. Messages are plain text, kept only
for the two members' eyes (no group, outbox or collection ever holds them). Each member's
read mark is the id of the newest message they have seen, so an unread count is one
indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.kinds import ConversationState
from node.storage.models.base import Base, UTCDateTime, enum_column


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversation_asker", "asker_id", "state", "last_activity_at"),
        Index("ix_conversation_recipient", "recipient_id", "state", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the API and pages name it by (never the row id).
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Minted here when our member asked; given by the asker's node otherwise.
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    state: Mapped[ConversationState] = mapped_column(
        enum_column(ConversationState, "conversation_state")
    )
    # "smaller id:larger id" of the two while the request or conversation is open, and
    # None once declined or ended: unique, so two members never have two open at once,
    # even when a request is sent twice at the same moment (a double click).
    open_pair: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # The id of the activity that asked (from another node, or once federation named it).
    request_uri: Mapped[str | None] = mapped_column(String(2048), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), nullable=True
    )
    # The newest message, acceptance or ending: lists show the liveliest first.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The id of the newest message each member has seen (None: none yet).
    asker_read_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipient_read_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ConversationMessage(Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_message_order", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    # What the member wrote, as plain text: pages and API escape it when they show it.
    text: Mapped[str] = mapped_column(Text)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
