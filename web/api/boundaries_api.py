"""A member's boundaries (``node.boundaries``): who may ask them for a conversation,
whom they muted or blocked, and which nodes they blocked for themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

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
from web.api.operation import Auth, Body, Call, Operation
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


def _people(page: Page[PersonEntry]) -> PersonPage:
    return PersonPage(items=[_person(e) for e in page.items], next_cursor=page.next_cursor)


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


async def list_mutes(call: Call[Any, PageQuery]) -> PersonPage:
    q = call.query
    return _people(await entries.muted(call.session, call.member, cursor=q.cursor, limit=q.limit))


async def add_mute(call: Call[PersonBody, Any]) -> PersonOut:
    target = await _target(call, call.body.acct)
    return _person(await muting.mute(call.session, call.member, target, now=call.now))


async def remove_mute(call: Call[Any, Any]) -> None:
    target = await _target(call, call.path("acct"))
    await muting.unmute(call.session, call.member, target)


async def list_blocks(call: Call[Any, PageQuery]) -> PersonPage:
    q = call.query
    page = await entries.blocked(call.session, call.member, cursor=q.cursor, limit=q.limit)
    return _people(page)


async def add_block(call: Call[PersonBody, Any]) -> PersonOut:
    target = await _target(call, call.body.acct)
    return _person(await blocking.block(call.session, call.member, target, now=call.now))


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
    Operation(
        "GET",
        MUTES,
        list_mutes,
        "Whom you muted, newest first",
        T,
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=PersonPage,
        errors=(401, 422),
    ),
    Operation(
        "POST",
        MUTES,
        add_mute,
        "Mute someone: their posts are no longer shown to you (they are not told)",
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
        MUTES + "/{acct}",
        remove_mute,
        "Unmute someone",
        T,
        auth=Auth.REQUIRED,
        errors=(401, 404),
    ),
    Operation(
        "GET",
        BLOCKS,
        list_blocks,
        "Whom you blocked, newest first",
        T,
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=PersonPage,
        errors=(401, 422),
    ),
    Operation(
        "POST",
        BLOCKS,
        add_block,
        "Block someone: hidden from you, and they may not "
        "reply to you or ask you; their server is sent a Block",
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
        BLOCKS + "/{acct}",
        remove_block,
        "Unblock someone",
        T,
        auth=Auth.REQUIRED,
        errors=(401, 404),
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
