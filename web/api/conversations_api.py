"""One-on-one conversations by consent (``node.conversations``): ask, answer, talk, end.

Asking someone who cannot be asked answers 403 ``not_available`` with the same words
whatever the reason (their boundary, a block, a suspended account, no such member): the
API is no oracle. A conversation is visible to its two members only; to anyone else it
answers 404, as one that does not exist. To the asker, a declined request reads
``not_available`` too.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from federation.remote.http import FetchError
from node import conversations
from node.actors import find_actor, split_acct
from node.conversations import NotAvailable
from node.errors import NotFound
from node.handles import HANDLE_MAX
from node.kinds import ActorKind
from node.pagination import Page
from node.storage.models.actors import Actor
from node.views import Viewer
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation
from web.api.schemas import ActorOut, actor_out
from web.keys import FEDERATION, SITE

BASE = "/api/v1/conversations"
# Far above the domain's limit, which then says kindly how long a message may be.
_BODY_TEXT_MAX = conversations.TEXT_MAX * 4


class StateOut(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NOT_AVAILABLE = "not_available"
    ENDED = "ended"


class ConversationOut(BaseModel):
    id: str
    state: StateOut = Field(
        description="requested, accepted, ended; declined (to the person asked) reads "
        "not_available to the asker"
    )
    other: ActorOut = Field(description="The other member")
    asked_by_me: bool
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    ended_by_me: bool | None = Field(description="Who ended it (null while it is open)")
    last_activity_at: datetime
    unread: int = Field(description="Messages you have not read yet (in lists)")


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class MessageOut(BaseModel):
    id: str
    author: ActorOut
    mine: bool
    text: str = Field(description="Plain text, as written: escape it when you show it")
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut] = Field(description="Newest first")
    next_cursor: str | None


class UnreadOut(BaseModel):
    messages: int = Field(description="New messages in your conversations")
    requests: int = Field(description="Requests waiting for your answer")
    total: int


class AskBody(Body):
    to: str = Field(max_length=HANDLE_MAX + 256, description="name, or @name@host")
    text: str = Field(
        max_length=_BODY_TEXT_MAX, description="The first message (up to 5,000 characters)"
    )


class DeclineBody(Body):
    block: bool = Field(False, description="Also block the asker")


class MessageBody(Body):
    text: str = Field(max_length=_BODY_TEXT_MAX, description="Up to 5,000 characters")


def conversation_out(view: conversations.ConversationView, viewer_id: int) -> ConversationOut:
    asked_by_me = view.asker_id == viewer_id
    state = StateOut(view.state.value)
    if state is StateOut.DECLINED and asked_by_me:
        state = StateOut.NOT_AVAILABLE
    ended_by_me = None
    if view.ended_by is not None:
        ended_by_me = view.ended_by.uri == (view.asker if asked_by_me else view.recipient).uri
    return ConversationOut(
        id=view.public_id,
        state=state,
        other=actor_out(view.other(viewer_id)),
        asked_by_me=asked_by_me,
        created_at=view.created_at,
        answered_at=view.answered_at,
        ended_at=view.ended_at,
        ended_by_me=ended_by_me,
        last_activity_at=view.last_activity_at,
        unread=view.unread,
    )


def _page(page: Page[conversations.ConversationView], viewer_id: int) -> ConversationPage:
    return ConversationPage(
        items=[conversation_out(v, viewer_id) for v in page.items], next_cursor=page.next_cursor
    )


def message_out(view: conversations.MessageView, viewer_id: int) -> MessageOut:
    return MessageOut(
        id=view.public_id,
        author=actor_out(view.author),
        mine=view.author_id == viewer_id,
        text=view.text,
        created_at=view.created_at,
    )


async def _mine(call: Call[Any, Any]) -> conversations.ConversationView:
    return await conversations.conversation_for(call.session, call.path("id"), call.member.actor_id)


async def list_conversations(call: Call[Any, PageQuery]) -> ConversationPage:
    me = call.member.actor_id
    page = await conversations.conversations_of(
        call.session, me, call.query.cursor, limit=call.query.limit
    )
    return _page(page, me)


class RequestsQuery(PageQuery):
    sent: bool = Field(False, description="true: the requests you sent, still unanswered")


async def list_requests(call: Call[Any, RequestsQuery]) -> ConversationPage:
    me = call.member.actor_id
    page = await conversations.requests_for(
        call.session, me, call.query.cursor, limit=call.query.limit, sent=call.query.sent
    )
    return _page(page, me)


async def unread(call: Call[Any, Any]) -> UnreadOut:
    count = await conversations.unread_count(call.session, call.member.actor_id)
    return UnreadOut(messages=count.messages, requests=count.requests, total=count.total)


async def _look_up(request: web.Request, viewer: Viewer | None, body: Any) -> str | None:
    """Someone on another node, looked up by WebFinger before the transaction (their
    actor's URI; None when they cannot be found, which reads as any other refusal)."""
    handle, domain = split_acct(body.to.strip(), request.app[SITE].domain)
    if domain == request.app[SITE].domain:
        return None  # ours: found inside the transaction
    try:
        return (await request.app[FEDERATION].lookup(f"{handle}@{domain}")).uri
    except FetchError:
        return None


async def ask(call: Call[AskBody, Any]) -> ConversationOut:
    me = call.member.actor_id
    handle, domain = split_acct(call.body.to.strip(), call.site.domain)
    try:
        recipient = await find_actor(call.session, handle, domain, ActorKind.PERSON)
    except NotFound:
        raise NotAvailable() from None  # the same answer as any other refusal
    asker = await call.session.get_one(Actor, me)
    view = await conversations.ask(
        call.session, call.site, asker, recipient, call.body.text, call.now
    )
    return conversation_out(view, me)


async def show(call: Call[Any, Any]) -> ConversationOut:
    return conversation_out(await _mine(call), call.member.actor_id)


async def accept(call: Call[Any, Any]) -> ConversationOut:
    me = call.member.actor_id
    view = await conversations.accept(call.session, (await _mine(call)).id, me, call.now)
    return conversation_out(view, me)


async def decline(call: Call[DeclineBody, Any]) -> ConversationOut:
    me = call.member.actor_id
    view = await conversations.decline(
        call.session, (await _mine(call)).id, me, call.now, block=call.body.block
    )
    return conversation_out(view, me)


async def end(call: Call[Any, Any]) -> ConversationOut:
    me = call.member.actor_id
    view = await conversations.end(call.session, (await _mine(call)).id, me, call.now)
    return conversation_out(view, me)


async def mark_read(call: Call[Any, Any]) -> None:
    await conversations.mark_read(
        call.session, (await _mine(call)).id, call.member.actor_id, call.now
    )


async def list_messages(call: Call[Any, PageQuery]) -> MessagePage:
    me = call.member.actor_id
    page = await conversations.messages(
        call.session, (await _mine(call)).id, me, call.query.cursor, limit=call.query.limit
    )
    return MessagePage(items=[message_out(v, me) for v in page.items], next_cursor=page.next_cursor)


async def send_message(call: Call[MessageBody, Any]) -> MessageOut:
    me = call.member.actor_id
    view = await conversations.send_message(
        call.session, call.site, (await _mine(call)).id, me, call.body.text, call.now
    )
    return message_out(view, me)


def _operation(method: str, path: str, handler: Any, summary: str, **options: Any) -> Operation:
    return Operation(
        method, BASE + path, handler, summary, "conversations", auth=Auth.REQUIRED, **options
    )


OPERATIONS = (
    _operation(
        "GET",
        "",
        list_conversations,
        "Your accepted and ended conversations, the newest activity first",
        query=PageQuery,
        response=ConversationPage,
        errors=(401, 422),
    ),
    _operation(
        "GET",
        "/requests",
        list_requests,
        "Requests to talk waiting for your answer, newest first (who asks; the words are "
        "in its messages); sent=true: those you sent, waiting for theirs",
        query=RequestsQuery,
        response=ConversationPage,
        errors=(401, 422),
    ),
    _operation(
        "GET",
        "/unread",
        unread,
        "How many new messages and requests wait for you",
        response=UnreadOut,
        errors=(401,),
    ),
    _operation(
        "POST",
        "",
        ask,
        "Ask someone to talk, with a first message; nothing more flows until they accept. "
        "A refusal says only not_available",
        body=AskBody,
        response=ConversationOut,
        status=201,
        prepare=_look_up,
        errors=(401, 403, 422),
    ),
    _operation(
        "GET",
        "/{id}",
        show,
        "One of your conversations",
        response=ConversationOut,
        errors=(401, 404),
    ),
    _operation(
        "POST",
        "/{id}/accept",
        accept,
        "Accept a request: from now on you both may write",
        response=ConversationOut,
        errors=(401, 403, 404),
    ),
    _operation(
        "POST",
        "/{id}/decline",
        decline,
        "Decline a request (the asker learns only that you are not available); block: "
        "also block the asker",
        body=DeclineBody,
        response=ConversationOut,
        errors=(401, 403, 404, 422),
    ),
    _operation(
        "POST",
        "/{id}/end",
        end,
        "End a conversation for good (or withdraw your request)",
        response=ConversationOut,
        errors=(401, 403, 404),
    ),
    _operation(
        "POST",
        "/{id}/read",
        mark_read,
        "Mark every message of a conversation as read",
        status=204,
        errors=(401, 404),
    ),
    _operation(
        "GET",
        "/{id}/messages",
        list_messages,
        "The messages of one of your conversations, newest first",
        query=PageQuery,
        response=MessagePage,
        errors=(401, 404, 422),
    ),
    _operation(
        "POST",
        "/{id}/messages",
        send_message,
        "Write in an accepted conversation",
        body=MessageBody,
        response=MessageOut,
        status=201,
        errors=(401, 403, 404, 422),
    ),
)
