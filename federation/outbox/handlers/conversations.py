"""Conversations by consent, sent to the other member's node (``protocol.conversations``).

Each activity goes to one place only: the other member's own inbox (never a shared
inbox, a group or followers), signed by our member. Every activity of one conversation
names the conversation as the object it is about, so the delivery queue keeps them in
order per inbox (``federation.delivery.waits``): the request before its messages, the
messages before the end. The request's ``Create`` gets its id here, and the
conversation keeps it, to know the answer that names it.

Only a server that holds conversations (``RemoteActor.holds_conversations``) is sent
``Accept``, ``Reject`` and ``Leave``; to any other (Mastodon), a conversation is its
direct Notes, and its member's first reply to our member's request is taken as a yes
(``federation.inbox.handlers.conversations``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.sending import new_activity_id, send
from federation.protocol import conversations
from federation.protocol.vocab import AS_CONTEXT, CONVERSATION_CONTEXT
from federation.tables import RemoteActor
from node.conversations import set_request_uri
from node.events import EventKind, PendingEvent
from node.federated.conversations import (
    OutgoingMessage,
    Parties,
    conversation_from,
    outgoing_message,
    request_message,
)
from node.site import Site


async def _inbox(session: AsyncSession, parties: Parties, *, answers: bool) -> str | None:
    """The other member's own inbox (None: ours, gone, or, for ``answers`` — Accept,
    Reject, Leave — a server that does not hold conversations)."""
    if parties.other.local:
        return None
    remote = await session.get(RemoteActor, parties.other.id)
    if remote is None or remote.deleted_at is not None:
        return None
    if answers and not remote.holds_conversations:
        return None
    return remote.inbox


async def _send_message(
    session: AsyncSession, site: Site, outgoing: OutgoingMessage, now: datetime, *, asks: bool
) -> None:
    parties, message = outgoing.parties, outgoing.message
    inbox = await _inbox(session, parties, answers=False)
    if inbox is None:
        return
    note = conversations.message_note(
        message.uri,
        parties.speaker.uri,
        parties.other.uri,
        parties.other_acct,
        message.text,
        conversation=parties.conversation.uri,
        in_reply_to=outgoing.in_reply_to,
        published=message.created_at,
    )
    uri = new_activity_id(site, now)
    if asks:
        await set_request_uri(session, parties.conversation.id, uri)
    await send(
        session,
        actor=parties.speaker,
        activity=conversations.message_create(uri, note, contact_request=asks),
        inboxes=[inbox],
        object_uri=parties.conversation.uri,
        now=now,
        context=CONVERSATION_CONTEXT,
    )


async def send_request(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """Our member asks someone elsewhere: the ``Create`` of the first message, asking."""
    assert event.subject_id is not None
    outgoing = await request_message(session, event.subject_id)
    if outgoing is not None and outgoing.parties.speaker.id == event.actor_id:
        await _send_message(session, site, outgoing, now, asks=True)


async def send_message(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """Our member writes in an accepted conversation: a direct Note, answering the other
    member's newest message."""
    assert event.subject_id is not None
    outgoing = await outgoing_message(session, event.subject_id)
    if outgoing is not None:
        await _send_message(session, site, outgoing, now, asks=False)


async def send_answer(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """Our member accepts or declines a request from elsewhere: ``Accept`` or ``Reject``
    of the request's ``Create``, with no reason."""
    assert event.subject_id is not None
    parties = await conversation_from(session, event.subject_id, event.actor_id)
    if parties is None or parties.conversation.request_uri is None:
        return
    inbox = await _inbox(session, parties, answers=True)
    if inbox is None:
        return
    kind = "Accept" if event.kind is EventKind.CONVERSATION_ACCEPTED else "Reject"
    answer = conversations.request_answer(
        new_activity_id(site, now),
        kind,
        parties.speaker.uri,
        parties.conversation.request_uri,
        parties.other.uri,
    )
    await send(
        session,
        actor=parties.speaker,
        activity=answer,
        inboxes=[inbox],
        object_uri=parties.conversation.uri,
        now=now,
        context=AS_CONTEXT,
    )


async def send_end(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """Our member ends the conversation (or withdraws the request): ``Leave`` of it."""
    assert event.subject_id is not None
    parties = await conversation_from(session, event.subject_id, event.actor_id)
    if parties is None:
        return
    inbox = await _inbox(session, parties, answers=True)
    if inbox is None:
        return
    leave = conversations.leave(
        new_activity_id(site, now),
        parties.speaker.uri,
        parties.conversation.uri,
        parties.other.uri,
    )
    await send(
        session,
        actor=parties.speaker,
        activity=leave,
        inboxes=[inbox],
        object_uri=parties.conversation.uri,
        now=now,
        context=AS_CONTEXT,
    )
