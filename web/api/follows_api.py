"""Following members, on this node or any other."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from federation.remote.http import FetchError
from node import follows
from node.actors import find_actor, find_actor_by_uri, split_acct
from node.errors import NotFound
from node.kinds import ActorKind, FollowState
from node.storage.models.actors import Actor
from node.views import Viewer
from web.api.operation import Auth, Call, Operation
from web.api.schemas import ActorOut, actor_out
from web.keys import FEDERATION, SITE


class FollowOut(BaseModel):
    followee: ActorOut
    state: FollowState


class FollowingPage(BaseModel):
    items: list[FollowOut]


async def _resolve(request: web.Request, viewer: Viewer | None, body: Any) -> str:
    """The followed member's URI; members of other nodes are looked up by WebFinger."""
    handle, domain = split_acct(request.match_info["acct"], request.app[SITE].domain)
    if domain == request.app[SITE].domain:
        return ""  # local: found inside the transaction
    try:
        actor = await request.app[FEDERATION].lookup(f"{handle}@{domain}")
    except FetchError as exc:
        raise NotFound(f"cannot find {handle}@{domain}: {exc.reason}") from None
    return actor.uri


async def _target(call: Call[Any, Any]) -> Actor:
    if call.prepared:
        actor = await find_actor_by_uri(call.session, call.prepared)
        if actor is None:
            raise NotFound("the member vanished while being looked up")
        return actor
    handle, domain = split_acct(call.path("acct"), call.site.domain)
    return await find_actor(call.session, handle, domain, ActorKind.PERSON)


async def follow_member(call: Call[Any, Any]) -> FollowOut:
    me = await call.session.get_one(Actor, call.member.actor_id)
    view = await follows.request_follow(call.session, me, await _target(call), now=call.now)
    return FollowOut(followee=actor_out(view.followee), state=view.state)


async def unfollow_member(call: Call[Any, Any]) -> None:
    me = await call.session.get_one(Actor, call.member.actor_id)
    await follows.remove_follow(call.session, me, await _target(call), now=call.now)


async def list_following(call: Call[Any, Any]) -> FollowingPage:
    views = await follows.list_following(call.session, call.member.actor_id)
    return FollowingPage(
        items=[FollowOut(followee=actor_out(v.followee), state=v.state) for v in views]
    )


M = "/api/v1/members/{acct}"
OPERATIONS = (
    Operation(
        "POST",
        M + "/follow",
        follow_member,
        "Follow a member here or on another node (name@host)",
        "members",
        auth=Auth.REQUIRED,
        response=FollowOut,
        prepare=_resolve,
        errors=(401, 404, 422),
    ),
    Operation(
        "POST",
        M + "/unfollow",
        unfollow_member,
        "Stop following a member",
        "members",
        auth=Auth.REQUIRED,
        prepare=_resolve,
        errors=(401, 404),
    ),
    Operation(
        "GET",
        "/api/v1/accounts/me/following",
        list_following,
        "Whom you follow (pending until the other node agrees)",
        "members",
        auth=Auth.REQUIRED,
        response=FollowingPage,
        errors=(401,),
    ),
)
