"""Members following members, here or on other nodes.

A follow starts ``pending`` and becomes ``accepted`` when the followed member's
node agrees (at once, today; by consent once members can set boundaries). A block
either way refuses the request (``node.boundaries``). Who follows whom is never
published, only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.boundaries.checks import blocks
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.events import EventKind, record
from node.kinds import ActorKind, FollowState
from node.storage.models.actors import Actor, Follow
from node.views import ActorRef

FOLLOW_REFUSED = "this member cannot be followed by you"


@dataclass(frozen=True)
class FollowView:
    follower: ActorRef
    followee: ActorRef
    state: FollowState
    created_at: datetime


def _view(follow: Follow, follower: Actor, followee: Actor) -> FollowView:
    return FollowView(actor_ref(follower), actor_ref(followee), follow.state, follow.created_at)


async def _find(session: AsyncSession, follower_id: int, followee_id: int) -> Follow | None:
    return await session.scalar(
        select(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )


async def request_follow(
    session: AsyncSession,
    follower: Actor,
    followee: Actor,
    *,
    activity_uri: str | None = None,
    now: datetime,
) -> FollowView:
    """``follower`` asks to follow ``followee`` (a member). Idempotent.

    A local member following a local member is accepted at once. A local member
    following a remote one stays pending until that node answers; the request is
    recorded as an event for federation to send. A remote follower of a local
    member is accepted at once, and the acceptance recorded for sending.
    """
    if followee.kind is not ActorKind.PERSON:
        raise InvalidInput("only members can be followed; join a group instead", field="acct")
    if follower.id == followee.id:
        raise InvalidInput("you cannot follow yourself", field="acct")
    if await blocks(session, followee.id, follower.id) or await blocks(
        session, follower.id, followee.id
    ):
        # A block either way (of the person, or of their node) refuses the request, from
        # here or from elsewhere (then it is dropped at processing, with a log line).
        raise PermissionDenied(FOLLOW_REFUSED)
    follow = await _find(session, follower.id, followee.id)
    if follow is None:
        follow = Follow(
            follower_id=follower.id,
            followee_id=followee.id,
            state=FollowState.PENDING,
            activity_uri=activity_uri,
            created_at=now,
        )
        session.add(follow)
        await session.flush()
    elif activity_uri is not None:
        follow.activity_uri = activity_uri  # a repeated request: answer the newest one
    if followee.local:
        follow.state = FollowState.ACCEPTED
        if not follower.local:
            await record(
                session,
                EventKind.FOLLOW_ACCEPTED,
                actor_id=followee.id,
                subject_id=follow.id,
                now=now,
            )
    elif follow.state is FollowState.PENDING:
        await record(
            session,
            EventKind.FOLLOW_REQUESTED,
            actor_id=follower.id,
            subject_id=follow.id,
            now=now,
        )
    return _view(follow, follower, followee)


async def accept_follow(session: AsyncSession, follower: Actor, followee: Actor) -> FollowView:
    """The followed member's node agreed."""
    follow = await _find(session, follower.id, followee.id)
    if follow is None:
        raise NotFound(f"{follower.uri} has not asked to follow {followee.uri}")
    follow.state = FollowState.ACCEPTED
    return _view(follow, follower, followee)


async def remove_follow(
    session: AsyncSession, follower: Actor, followee: Actor, *, now: datetime
) -> None:
    """Unfollow, or a refused request. A local follower's withdrawal is sent on."""
    follow = await _find(session, follower.id, followee.id)
    if follow is None:
        return
    if follower.local and not followee.local:
        await record(
            session,
            EventKind.FOLLOW_WITHDRAWN,
            actor_id=follower.id,
            subject_id=followee.id,
            now=now,
            follow_uri=follow.activity_uri,
        )
    await session.delete(follow)


async def followers_count(session: AsyncSession, actor_id: int) -> int:
    statement = select(func.count()).where(
        Follow.followee_id == actor_id, Follow.state == FollowState.ACCEPTED
    )
    return await session.scalar(statement) or 0


async def following_count(session: AsyncSession, actor_id: int) -> int:
    statement = select(func.count()).where(
        Follow.follower_id == actor_id, Follow.state == FollowState.ACCEPTED
    )
    return await session.scalar(statement) or 0


async def list_following(session: AsyncSession, actor_id: int) -> list[FollowView]:
    rows = await session.execute(
        select(Follow, Actor)
        .join(Actor, Follow.followee_id == Actor.id)
        .where(Follow.follower_id == actor_id)
        .order_by(Follow.id)
    )
    me = await session.get_one(Actor, actor_id)
    return [_view(follow, me, followee) for follow, followee in rows]
