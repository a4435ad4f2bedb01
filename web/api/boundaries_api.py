"""A member's boundaries (``node.boundaries``): who may ask them for a conversation,
whom they muted or blocked, and which nodes they blocked for themselves."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from federation.remote.http import FetchError
from node.actors import find_actor, find_actor_by_uri, split_acct
from node.boundaries import blocking, entries, muting, settings
from node.boundaries.entries import NodeEntry, PersonEntry
from node.errors import NotFound
from node.kinds import ActorKind, ContactPolicy
from node.pagination import Page
from node.storage.models.actors import Actor
from node.views import Viewer
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Handler, Operation
from web.api.schemas import ActorOut, actor_out
from web.keys import FEDERATION, SITE


class BoundariesOut(BaseModel):
    contact_policy: ContactPolicy = Field(
        description="Who may ask you for a conversation: nobody; people who share a group "
        "with you; those and everyone on this node; those and everyone on a node this one "
        "trusts (trusted_nodes); anyone"
    )


class BoundariesBody(Body):
    contact_policy: ContactPolicy


class PersonBody(Body):
    acct: str = Field(min_length=1, max_length=320, description="name, or name@host elsewhere")


class NodeBody(Body):
    domain: str = Field(min_length=1, max_length=300, description="The node, like social.example")


class PersonOut(BaseModel):
    actor: ActorOut
    since: datetime


class NodeOut(BaseModel):
    domain: str
    since: datetime


class PersonPage(BaseModel):
    items: list[PersonOut]
    next_cursor: str | None


class NodePage(BaseModel):
    items: list[NodeOut]
    next_cursor: str | None


def _person(entry: PersonEntry) -> PersonOut:
    return PersonOut(actor=actor_out(entry.actor), since=entry.since)


def _node(entry: NodeEntry) -> NodeOut:
    return NodeOut(domain=entry.domain, since=entry.since)


class _Lister(Protocol):
    """``entries.muted`` or ``entries.blocked``: the two lists of people are read alike."""

    def __call__(
        self, session: AsyncSession, viewer: Viewer, *, cursor: str | None, limit: int | None
    ) -> Awaitable[Page[PersonEntry]]: ...


class _Adder(Protocol):
    """``muting.mute`` or ``blocking.block``: someone is added to either list alike."""

    def __call__(
        self, session: AsyncSession, viewer: Viewer, target: Actor, *, now: datetime
    ) -> Awaitable[PersonEntry]: ...


async def _looked_up(request: web.Request, viewer: Viewer | None, body: Any) -> str:
    """Someone elsewhere is looked up by WebFinger (outside the transaction). When their
    server does not answer, one we already hold is found inside it all the same: a
    block must not wait for the blocked person's server."""
    handle, domain = split_acct(body.acct, request.app[SITE].domain)
    if domain == request.app[SITE].domain:
        return ""
    try:
        actor = await request.app[FEDERATION].lookup(f"{handle}@{domain}")
    except FetchError:
        return ""
    return actor.uri


async def _target(call: Call[Any, Any], acct: str) -> Actor:
    if call.prepared:
        actor = await find_actor_by_uri(call.session, call.prepared)
        if actor is None:
            raise NotFound("the person vanished while being looked up")
        return actor
    handle, domain = split_acct(acct, call.site.domain)
    return await find_actor(call.session, handle, domain, ActorKind.PERSON)


async def get_boundaries(call: Call[Any, Any]) -> BoundariesOut:
    return BoundariesOut(contact_policy=await settings.contact_policy(call.session, call.member))


async def set_boundaries(call: Call[BoundariesBody, Any]) -> BoundariesOut:
    policy = await settings.set_contact_policy(call.session, call.member, call.body.contact_policy)
    return BoundariesOut(contact_policy=policy)


async def _people(call: Call[Any, PageQuery], lister: _Lister) -> PersonPage:
    q = call.query
    page = await lister(call.session, call.member, cursor=q.cursor, limit=q.limit)
    return PersonPage(items=[_person(e) for e in page.items], next_cursor=page.next_cursor)


async def _added(call: Call[PersonBody, Any], add: _Adder) -> PersonOut:
    target = await _target(call, call.body.acct)
    return _person(await add(call.session, call.member, target, now=call.now))


async def list_mutes(call: Call[Any, PageQuery]) -> PersonPage:
    return await _people(call, entries.muted)


async def add_mute(call: Call[PersonBody, Any]) -> PersonOut:
    return await _added(call, muting.mute)


async def remove_mute(call: Call[Any, Any]) -> None:
    target = await _target(call, call.path("acct"))
    await muting.unmute(call.session, call.member, target)


async def list_blocks(call: Call[Any, PageQuery]) -> PersonPage:
    return await _people(call, entries.blocked)


async def add_block(call: Call[PersonBody, Any]) -> PersonOut:
    return await _added(call, blocking.block)


async def remove_block(call: Call[Any, Any]) -> None:
    target = await _target(call, call.path("acct"))
    await blocking.unblock(call.session, call.member, target, now=call.now)


async def list_node_blocks(call: Call[Any, PageQuery]) -> NodePage:
    q = call.query
    page = await entries.blocked_nodes(call.session, call.member, cursor=q.cursor, limit=q.limit)
    return NodePage(items=[_node(e) for e in page.items], next_cursor=page.next_cursor)


async def add_node_block(call: Call[NodeBody, Any]) -> NodeOut:
    entry = await blocking.block_node(
        call.session, call.site, call.member, call.body.domain, now=call.now
    )
    return _node(entry)


async def remove_node_block(call: Call[Any, Any]) -> None:
    await blocking.unblock_node(call.session, call.site, call.member, call.path("domain"))


B = "/api/v1/boundaries"
MUTES, BLOCKS, NODES = "/api/v1/mutes", "/api/v1/blocks", "/api/v1/node_blocks"
T = "boundaries"


def _person_operations(
    path: str, handlers: tuple[Handler, Handler, Handler], summaries: tuple[str, str, str]
) -> tuple[Operation, ...]:
    """List, add to and take from one of the two lists of people (mutes, blocks), which
    differ only in their handlers and words."""
    (listing, adding, removing), (listed, added, removed) = handlers, summaries
    return (
        Operation(
            "GET",
            path,
            listing,
            listed,
            T,
            auth=Auth.REQUIRED,
            query=PageQuery,
            response=PersonPage,
            errors=(401, 422),
        ),
        Operation(
            "POST",
            path,
            adding,
            added,
            T,
            auth=Auth.REQUIRED,
            body=PersonBody,
            response=PersonOut,
            status=201,
            prepare=_looked_up,
            errors=(401, 404, 422),
        ),
        Operation(
            "DELETE",
            path + "/{acct}",
            removing,
            removed,
            T,
            auth=Auth.REQUIRED,
            errors=(401, 404),
        ),
    )


OPERATIONS = (
    Operation(
        "GET",
        B,
        get_boundaries,
        "Who may ask you for a conversation",
        T,
        auth=Auth.REQUIRED,
        response=BoundariesOut,
        errors=(401,),
    ),
    Operation(
        "PUT",
        B,
        set_boundaries,
        "Choose who may ask you for a conversation",
        T,
        auth=Auth.REQUIRED,
        body=BoundariesBody,
        response=BoundariesOut,
        errors=(401, 422),
    ),
    *_person_operations(
        MUTES,
        (list_mutes, add_mute, remove_mute),
        (
            "Whom you muted, newest first",
            "Mute someone: their posts are no longer shown to you (they are not told)",
            "Unmute someone",
        ),
    ),
    *_person_operations(
        BLOCKS,
        (list_blocks, add_block, remove_block),
        (
            "Whom you blocked, newest first",
            "Block someone: hidden from you, and they may not "
            "reply to you or ask you; their server is sent a Block",
            "Unblock someone",
        ),
    ),
    Operation(
        "GET",
        NODES,
        list_node_blocks,
        "Which nodes you blocked for yourself",
        T,
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=NodePage,
        errors=(401, 422),
    ),
    Operation(
        "POST",
        NODES,
        add_node_block,
        "Block a whole node for yourself",
        T,
        auth=Auth.REQUIRED,
        body=NodeBody,
        response=NodeOut,
        status=201,
        errors=(401, 422),
    ),
    Operation(
        "DELETE",
        NODES + "/{domain}",
        remove_node_block,
        "Unblock a node",
        T,
        auth=Auth.REQUIRED,
        errors=(401, 422),
    ),
)
