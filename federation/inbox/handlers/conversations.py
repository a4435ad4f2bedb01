"""Conversations by consent from elsewhere: direct messages, answers to our requests, ends.

A direct message (``protocol.conversations.direct_message``) to one of our members
belongs to the conversation its ``context`` names, else to the one holding the message
it answers (``inReplyTo``), else, unless it asks anew, to the open one between the two
(a Mastodon user may write a fresh private mention instead of replying). The sender and
our member must be that conversation's two members. It is stored only while the
conversation is accepted (``node.conversations.send_message`` refuses anything else):
a message before the answer, after a decline or after the end is refused, with one log
line, and nothing is answered. A direct message that belongs to no conversation asks to
talk: our member's boundaries decide (``ask`` refuses quietly), and the request waits in
their requests with its words. A Kinfolk node names the conversation itself (on its own
server); for anyone else, it is named here.

Our member may ask someone on a server that does not hold conversations (Mastodon): it
cannot say yes in any other way, so that person's first reply is taken as the yes.

``Accept`` and ``Reject`` of our member's request (by the request's ``Create``) come from
the person asked alone, ``Leave`` from either member; a ``Leave`` of anything that is not
a conversation of ours (Mobilizon's, of an event) is ignored.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.lookups import named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.conversations import DirectMessage
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed, same_origin
from federation.tables import RemoteActor
from node import conversations
from node.conversations import ConversationView
from node.errors import PermissionDenied
from node.federated.actors import KnownActor, actor_named
from node.federated.conversations import asked_from_elsewhere, message_known
from node.federated.incoming_posts import post_known
from node.kinds import ConversationState

log = logging.getLogger("kinfolk.processing")


async def member_addressed(session: AsyncSession, message: DirectMessage) -> KnownActor | None:
    """The member of ours a direct message is for; None when it is for anyone else (a
    group, or someone we do not hold) or answers a post (a private reply in a group's
    thread), and then it is no conversation's."""
    recipient = await actor_named(session, message.recipient)
    if recipient is None or not recipient.local or not recipient.is_person:
        return None
    if message.in_reply_to is not None and await post_known(session, message.in_reply_to):
        return None
    return recipient


async def _conversation_of(
    session: AsyncSession, message: DirectMessage, author: KnownActor, member: KnownActor
) -> ConversationView | None:
    found = None
    if message.context is not None:
        found = await conversations.conversation_by_uri(session, message.context)
    if found is None and message.in_reply_to is not None:
        found = await conversations.conversation_of_message_uri(session, message.in_reply_to)
    if found is None and not message.contact_request:
        found = await conversations.open_between(session, author.id, member.id)
    if found is not None and {found.asker_id, found.recipient_id} != {author.id, member.id}:
        raise PermissionDenied(f"{author.uri} is not in the conversation its message names")
    return found


async def on_direct_message(
    fed: Federation, session: AsyncSession, message: DirectMessage, member: KnownActor
) -> None:
    """A direct message to our ``member``: a request, or a message in a conversation."""
    author = await named_actor(session, message.author)
    if await message_known(session, message.uri):
        raise Ignored(f"{message.uri} is held already")
    now = fed.clock()
    found = await _conversation_of(session, message, author, member)
    if found is None:
        uri = message.context if message.contact_request else None
        if uri is not None and not same_origin(uri, author.uri):
            raise Malformed("a conversation is named on its asker's server")
        await asked_from_elsewhere(
            session,
            fed.site,
            author,
            member,
            message.text,
            now,
            uri=uri,
            request_uri=message.activity_id,
            message_uri=message.uri,
        )
        log.info("%s asked %s to talk", author.uri, member.uri)
        return
    if message.contact_request:
        raise PermissionDenied(f"{message.activity_id} asks for a conversation held already")
    if await _reply_says_yes(session, found, author):
        await conversations.accept(session, found.id, author.id, now)
    await conversations.send_message(
        session, fed.site, found.id, author.id, message.text, now, uri=message.uri
    )


async def _reply_says_yes(
    session: AsyncSession, conversation: ConversationView, author: KnownActor
) -> bool:
    """Whether a reply to our member's request is its yes: from the person asked, on a
    server with no other way to say it."""
    if conversation.state is not ConversationState.REQUESTED:
        return False
    if author.id != conversation.recipient_id or not conversation.asker.local:
        return False
    remote = await session.get(RemoteActor, author.id)
    return remote is not None and not remote.holds_conversations


async def answered_request(session: AsyncSession, activity: ActivityReading) -> bool:
    """Whether an ``Accept`` or ``Reject`` names a request of ours (by its ``Create``)."""
    named = await conversations.conversation_by_request_uri(session, activity.object_id)
    return named is not None


async def on_answer(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """The person our member asked says yes or no."""
    found = await conversations.conversation_by_request_uri(session, activity.object_id)
    if found is None or via is not None:
        raise Ignored("it answers no request of ours")
    person = await named_actor(session, activity.actor)
    if person.id != found.recipient_id or person.local:
        raise PermissionDenied(f"{activity.actor} was not asked by {activity.object_id}")
    if found.state is not ConversationState.REQUESTED:
        raise Ignored(f"the request was answered already ({found.state.value})")
    if activity.type == "Accept":
        await conversations.accept(session, found.id, person.id, fed.clock())
    else:
        await conversations.decline(session, found.id, person.id, fed.clock())


async def on_leave(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """One of the two ends the conversation (or the asker withdraws the request)."""
    found = await conversations.conversation_by_uri(session, activity.object_id)
    if found is None or via is not None:
        raise Ignored("it names no conversation of ours")
    member = await actor_named(session, activity.actor)
    if member is None or member.local or member.id not in {found.asker_id, found.recipient_id}:
        raise PermissionDenied(f"{activity.actor} is not in {activity.object_id}")
    if found.state in {ConversationState.ENDED, ConversationState.DECLINED}:
        raise Ignored(f"the conversation is over already ({found.state.value})")
    await conversations.end(session, found.id, member.id, fed.clock())
