"""Requests to follow, as they travel: a member's follow of a member, or a join.

Joining a group elsewhere is following its actor (FEP-1b12), so both kinds of
request go out alike, and are answered (accepted, rejected) or withdrawn alike,
naming the request by the id it went out with. That id is given when the request
is sent, and the node keeps it with the follow or the membership it asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor, actor_by_id
from node.storage.models.actors import Follow
from node.storage.models.groups import Group, Membership


@dataclass(frozen=True)
class FollowRequest:
    """``follower`` asks to follow ``followee`` (a member) or to join it (a group's actor);
    ``uri`` is the request's id once it has one."""

    id: int  # of the follow, or of the membership for a join
    joins_group: bool
    follower: KnownActor
    followee: KnownActor
    uri: str | None


async def follow_request(session: AsyncSession, follow_id: int) -> FollowRequest | None:
    """A follow of a member, or None once it is gone (withdrawn, refused)."""
    follow = await session.get(Follow, follow_id)
    if follow is None:
        return None
    return FollowRequest(
        id=follow.id,
        joins_group=False,
        follower=await actor_by_id(session, follow.follower_id),
        followee=await actor_by_id(session, follow.followee_id),
        uri=follow.activity_uri,
    )


async def join_request(session: AsyncSession, membership_id: int) -> FollowRequest | None:
    """A membership as the request that asked for it, or None once it is gone."""
    membership = await session.get(Membership, membership_id)
    if membership is None:
        return None
    group = await session.get_one(Group, membership.group_id)
    return FollowRequest(
        id=membership.id,
        joins_group=True,
        follower=await actor_by_id(session, membership.member_id),
        followee=await actor_by_id(session, group.actor_id),
        uri=membership.follow_uri,
    )


async def remember_request_uri(session: AsyncSession, request: FollowRequest, uri: str) -> None:
    """Keep the id ``request`` went out with, so that its answer finds it."""
    if request.joins_group:
        (await session.get_one(Membership, request.id)).follow_uri = uri
    else:
        (await session.get_one(Follow, request.id)).activity_uri = uri
