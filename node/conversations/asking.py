"""Asking to talk, and answering: the request, its acceptance, or a quiet no.

A request carries its first message (message #1). The recipient sees who asks in their
requests, and the words only when they open it; nothing more flows until they accept.
A decline tells the asker only that the person is not available, exactly what a
boundary, a block or a stranger's handle would tell them: asking is never an oracle.
Declining with ``block`` also blocks the asker (``node.boundaries``).

Events are recorded only when the other member is on another node: the request when
our member asks someone there, the answer when our member answers someone from there.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from node.boundaries.blocking import block as block_actor
from node.boundaries.checks import blocks, may_ask
from node.conversations.errors import AlreadyOpen, ConversationClosed, NotAvailable
from node.conversations.lookups import open_between, pair_key, party_row
from node.conversations.text import check_text
from node.conversations.views import ConversationView, conversation_view
from node.errors import Conflict, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.kinds import ActorKind, ConversationState, NotificationKind
from node.notifications.recording import notify
from node.site import Site
from node.storage.models.actors import Account, Actor
from node.storage.models.conversations import Conversation, ConversationMessage
from node.views import Viewer


def new_id() -> str:
    return uuid.uuid4().hex


async def _can_talk(session: AsyncSession, actor: Actor) -> bool:
    """A person: on another node, or a member of this one who is not suspended."""
    if actor.kind != ActorKind.PERSON:
        return False
    if not actor.local:
        return True
    account = await session.scalar(select(Account).where(Account.actor_id == actor.id))
    return account is not None and account.suspended_at is None


async def _may_ask(session: AsyncSession, asker: Actor, recipient: Actor) -> bool:
    """Our member's boundaries decide who may ask them; someone on another node keeps
    theirs there (their node answers), and here only a block either way refuses."""
    if recipient.local:
        return await may_ask(session, recipient.id, asker.id)
    return not (
        await blocks(session, asker.id, recipient.id)
        or await blocks(session, recipient.id, asker.id)
    )


def _already_open(existing: ConversationView, asker_id: int) -> AlreadyOpen:
    """Both know of the open one, so the asker is told where it stands."""
    if existing.state == ConversationState.ACCEPTED:
        message = "You already have a conversation with this person."
    elif existing.asker_id == asker_id:
        message = "You have already asked this person; they have not answered yet."
    else:
        message = "This person has asked to talk with you: you will find it in your requests."
    return AlreadyOpen(message, public_id=existing.public_id)


async def ask(
    session: AsyncSession,
    site: Site,
    asker: Actor,
    recipient: Actor,
    text: str,
    now: datetime,
    *,
    uri: str | None = None,
    request_uri: str | None = None,
    message_uri: str | None = None,
) -> ConversationView:
    """``asker`` asks ``recipient`` to talk, saying ``text`` (message #1).

    Our member may ask anyone who can be asked; a member of another node may ask ours
    (then federation gives the ids it named the conversation, request and message by).
    """
    text = check_text(text)
    if not (asker.local or recipient.local) or asker.id == recipient.id:
        raise NotAvailable()
    if not await _can_talk(session, recipient) or not await _can_talk(session, asker):
        raise NotAvailable()
    if not await _may_ask(session, asker, recipient):
        raise NotAvailable()
    existing = await open_between(session, asker.id, recipient.id)
    if existing is not None:
        raise _already_open(existing, asker.id)
    taken = [value for value in (uri, request_uri) if value is not None]
    if taken and await session.scalar(
        select(Conversation.id).where(
            Conversation.uri.in_(taken) | Conversation.request_uri.in_(taken)
        )
    ):
        raise Conflict("this conversation is already known here")
    public_id = new_id()
    row = Conversation(
        public_id=public_id,
        uri=uri or site.conversation_uri(public_id),
        asker_id=asker.id,
        recipient_id=recipient.id,
        state=ConversationState.REQUESTED,
        request_uri=request_uri,
        open_pair=pair_key(asker.id, recipient.id),
        created_at=now,
        last_activity_at=now,
    )
    try:
        # Added inside a savepoint: a request sent twice at once loses here, cleanly.
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = await open_between(session, asker.id, recipient.id)
        if existing is not None:
            raise _already_open(existing, asker.id) from None
        raise Conflict("this conversation is already known here") from None
    message_id = new_id()
    first = ConversationMessage(
        public_id=message_id,
        conversation_id=row.id,
        author_id=asker.id,
        text=text,
        uri=message_uri or site.conversation_message_uri(message_id),
        created_at=now,
    )
    session.add(first)
    await session.flush()
    row.asker_read_id = first.id
    await notify(
        session,
        recipient.id,
        NotificationKind.CONTACT_REQUEST,
        actor_id=asker.id,
        conversation_id=row.id,
        now=now,
    )
    if not recipient.local:
        await record_event(
            session, EventKind.CONVERSATION_REQUESTED, actor_id=asker.id, subject_id=row.id, now=now
        )
    await session.flush()
    return await conversation_view(session, row)


async def _request_for(
    session: AsyncSession, conversation_id: int, by: int
) -> tuple[Conversation, Actor]:
    """The request ``by`` may answer, and its asker."""
    row = await party_row(session, conversation_id, by)
    if row.recipient_id != by:
        raise PermissionDenied("Only the person asked can answer a request.")
    if row.state != ConversationState.REQUESTED:
        raise ConversationClosed("This request has already been answered.")
    return row, await session.get_one(Actor, row.asker_id)


async def _newest_message_id(session: AsyncSession, conversation_id: int) -> int | None:
    return await session.scalar(
        select(ConversationMessage.id)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id.desc())
        .limit(1)
    )


async def accept(
    session: AsyncSession, conversation_id: int, by: int, now: datetime
) -> ConversationView:
    """The person asked says yes: from now on both may write."""
    row, asker = await _request_for(session, conversation_id, by)
    row.state = ConversationState.ACCEPTED
    row.answered_at = row.last_activity_at = now
    row.recipient_read_id = await _newest_message_id(session, row.id)
    await notify(
        session,
        asker.id,
        NotificationKind.CONVERSATION_ACCEPTED,
        actor_id=by,
        conversation_id=row.id,
        now=now,
    )
    if not asker.local:
        await record_event(
            session, EventKind.CONVERSATION_ACCEPTED, actor_id=by, subject_id=row.id, now=now
        )
    await session.flush()
    return await conversation_view(session, row)


async def decline(
    session: AsyncSession, conversation_id: int, by: int, now: datetime, *, block: bool = False
) -> ConversationView:
    """The person asked says no (``block``: and never again from this asker, through
    ``node.boundaries``, which tells the asker's server when it is another)."""
    row, asker = await _request_for(session, conversation_id, by)
    row.state = ConversationState.DECLINED
    row.open_pair = None
    row.answered_at = now
    row.recipient_read_id = await _newest_message_id(session, row.id)
    if block:
        account = await session.scalar(select(Account).where(Account.actor_id == by))
        if account is None:  # only our members answer here
            raise PermissionDenied("Only a member of this node can block from here.")
        viewer = Viewer(account_id=account.id, actor_id=by, role=account.role)
        await block_actor(session, viewer, asker, now=now)
    if not asker.local:
        await record_event(
            session, EventKind.CONVERSATION_DECLINED, actor_id=by, subject_id=row.id, now=now
        )
    await session.flush()
    return await conversation_view(session, row)
