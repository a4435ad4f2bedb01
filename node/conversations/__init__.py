"""One-on-one conversations by consent (issue 22): a member asks another to talk, here or
on another node; nothing flows until the other accepts; either may end it, for good.

Design note. A conversation is a row between two actors (at least one of them ours) and
its messages, shown to those two alone: no group, outbox, collection, admin page or API
holds them, and a third party asking for one is told it does not exist. Asking respects
the recipient's boundaries (``node.boundaries``) and a refusal never says why. What must
reach the other member's node is recorded as an event, and only when that member is
remote; federation turns those into activities. The services take actor ids (``ask``
takes the two Actor rows, since it decides whether each can talk at all) and return
the frozen views of ``node.conversations.views``.

The modules: ``asking`` (ask, accept, decline), ``talking`` (send a message, end, mark
read), ``listings`` (requests, conversations, messages, unread counts), ``lookups`` (by
uri, request uri, message uri, between two actors, by public id for a member).
"""

from node.conversations.asking import accept, ask, decline
from node.conversations.errors import AlreadyOpen, ConversationClosed, NotAvailable
from node.conversations.listings import conversations_of, messages, requests_for, unread_count
from node.conversations.lookups import (
    conversation_by_request_uri,
    conversation_by_uri,
    conversation_for,
    conversation_of_message_uri,
    open_between,
    set_request_uri,
)
from node.conversations.talking import end, mark_read, send_message
from node.conversations.text import TEXT_MAX
from node.conversations.views import ConversationView, MessageView, UnreadCount

__all__ = [
    "TEXT_MAX",
    "AlreadyOpen",
    "ConversationClosed",
    "ConversationView",
    "MessageView",
    "NotAvailable",
    "UnreadCount",
    "accept",
    "ask",
    "conversation_by_request_uri",
    "conversation_by_uri",
    "conversation_for",
    "conversation_of_message_uri",
    "conversations_of",
    "decline",
    "end",
    "mark_read",
    "messages",
    "open_between",
    "requests_for",
    "send_message",
    "set_request_uri",
    "unread_count",
]
