"""What ties an actor elsewhere to this node: follows, memberships and support.

Made, answered and ended as its node tells us: a member elsewhere follows one of
ours or asks to join one of our groups, a node answers our member's request,
someone elsewhere supports a post we hold or takes the support back, and an
account that deleted itself lets go of all of it. The rules are in ``follows``,
``remote_members``, ``reactions`` and ``remote_accounts``; federation passes and
gets back values (``actors``, ``incoming_posts.HeldPost``), never rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import follows, reactions, remote_accounts, remote_members
from node.actors import find_actor_by_uri
from node.boundaries import closing
from node.federated.actors import KnownActor, KnownGroup, known
from node.federated.incoming_posts import HeldPost
from node.kinds import MembershipState
from node.remote_accounts import LetGo
from node.storage.models.actors import Actor, Follow
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post, Reaction


async def _actor(session: AsyncSession, actor: KnownActor) -> Actor:
    return await session.get_one(Actor, actor.id)


# --- follows ----------------------------------------------------------------------------


async def follow_asked(
    session: AsyncSession,
    follower: KnownActor,
    followee: KnownActor,
    *,
    activity_uri: str,
    now: datetime,
) -> None:
    """``follower`` (elsewhere) asks to follow one of our members (``follows.request_follow``)."""
    await follows.request_follow(
        session,
        await _actor(session, follower),
        await _actor(session, followee),
        activity_uri=activity_uri,
        now=now,
    )


async def follower_in(
    session: AsyncSession, followee: KnownActor, *, follow_uri: str | None, follower_uri: str | None
) -> KnownActor | None:
    """Who follows (or asked to follow) ``followee`` by the Follow ``follow_uri``, or else as
    ``follower_uri``; None if neither names a follow we hold."""
    conditions = [Follow.activity_uri == follow_uri] if follow_uri else []
    if follower_uri:
        follower = await find_actor_by_uri(session, follower_uri)
        if follower is not None:
            conditions.append(Follow.follower_id == follower.id)
    if not conditions:
        return None
    follow = await session.scalar(
        select(Follow).where(Follow.followee_id == followee.id, or_(*conditions))
    )
    return None if follow is None else known(await session.get_one(Actor, follow.follower_id))


async def follow_accepted(
    session: AsyncSession, follower: KnownActor, followee: KnownActor
) -> None:
    """The followed member's node agreed (``follows.accept_follow``)."""
    await follows.accept_follow(
        session, await _actor(session, follower), await _actor(session, followee)
    )


async def follow_ended(
    session: AsyncSession, follower: KnownActor, followee: KnownActor, *, now: datetime
) -> None:
    """A follow refused or withdrawn (``follows.remove_follow``)."""
    await follows.remove_follow(
        session, await _actor(session, follower), await _actor(session, followee), now=now
    )


# --- memberships ------------------------------------------------------------------------


async def join_asked(
    session: AsyncSession,
    group: KnownGroup,
    member: KnownActor,
    *,
    follow_uri: str,
    now: datetime,
) -> MembershipState | None:
    """A member elsewhere asks to join our group; where they stand now, None if turned
    down (``remote_members.request_to_join``)."""
    return await remote_members.request_to_join(
        session,
        await _actor(session, group.actor),
        await session.get_one(Group, group.id),
        await _actor(session, member),
        follow_uri=follow_uri,
        now=now,
    )


async def member_asking(session: AsyncSession, follow_uri: str) -> KnownActor | None:
    """The member whose request to join (its Follow) has the id ``follow_uri``."""
    membership = await session.scalar(select(Membership).where(Membership.follow_uri == follow_uri))
    if membership is None:
        return None
    member = await session.get(Actor, membership.member_id)
    return None if member is None else known(member)


async def join_pending(session: AsyncSession, group: KnownGroup, member: KnownActor) -> bool:
    """Whether ``member``'s request to join ``group`` waits for an answer."""
    membership = await remote_members.membership_of(
        session, await session.get_one(Group, group.id), await _actor(session, member)
    )
    return membership is not None and membership.state is MembershipState.PENDING


async def join_answered(
    session: AsyncSession,
    group: KnownGroup,
    member: KnownActor,
    *,
    accepted: bool,
    reason: str = "",
    now: datetime,
) -> bool:
    """The group's node answered our member's request to join it, a refusal perhaps with
    its reason (``remote_members.answered``); False if none was pending."""
    return await remote_members.answered(
        session,
        await session.get_one(Group, group.id),
        await _actor(session, member),
        accepted=accepted,
        reason=reason,
        now=now,
    )


async def left(session: AsyncSession, group: KnownGroup, member: KnownActor) -> bool:
    """A member elsewhere left our group (``remote_members.withdraw``)."""
    return await remote_members.withdraw(
        session, await session.get_one(Group, group.id), await _actor(session, member)
    )


# --- support ----------------------------------------------------------------------------


async def post_supported_by(session: AsyncSession, like_uri: str) -> str | None:
    """The URI of the post that the support with the Like id ``like_uri`` is for."""
    uri: str | None = await session.scalar(
        select(Post.uri)
        .join(Reaction, Reaction.post_id == Post.id)
        .where(Reaction.activity_uri == like_uri)
    )
    return uri


async def supported(
    session: AsyncSession, post: HeldPost, actor: KnownActor, *, activity_uri: str, now: datetime
) -> bool:
    """Someone elsewhere supports ``post`` (``reactions.store_remote_reaction``)."""
    return await reactions.store_remote_reaction(
        session,
        await session.get_one(Post, post.id),
        await _actor(session, actor),
        activity_uri=activity_uri,
        now=now,
    )


async def support_withdrawn(
    session: AsyncSession,
    post: HeldPost,
    actor: KnownActor,
    *,
    like_uri: str | None,
    activity_uri: str,
    now: datetime,
) -> bool:
    """Someone elsewhere takes their support back (``reactions.remove_remote_reaction``)."""
    return await reactions.remove_remote_reaction(
        session,
        await session.get_one(Post, post.id),
        await _actor(session, actor),
        like_uri=like_uri,
        activity_uri=activity_uri,
        now=now,
    )


# --- an account gone --------------------------------------------------------------------


async def cut_ties_of(session: AsyncSession, account: KnownActor) -> LetGo:
    """An account elsewhere deleted itself: its ties end (``remote_accounts.cut_ties``)."""
    return await remote_accounts.cut_ties(session, await _actor(session, account))


async def close_conversations_of(session: AsyncSession, account: KnownActor, now: datetime) -> int:
    """An account elsewhere deleted itself: its open requests and conversations with our
    members close, as if it had ended each (its node's ``Leave`` may never get here:
    after its actor's ``Delete``, nothing more from it is taken). How many."""
    return len(await closing.close_all_of(session, account.id, now))
