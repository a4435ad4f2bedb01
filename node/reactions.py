"""Support sent (and taken back) by members of other nodes.

A reaction from another node arrives as a ``Like`` of a post we hold and leaves
as an ``Undo`` of it; the Like's id is kept with the reaction so the Undo finds
it. Into a group hosted here, only its approved members may react, as only they
may write (``posts.remote_posts.store_remote_post``); the change is then recorded
for the group to share with its members on every node. A reaction to a post in a group
hosted elsewhere is that group's business: we only keep the count in step.
Taking support back is always allowed, even to someone since banned.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import PermissionDenied
from node.events import EventKind, record
from node.kinds import MembershipState, ReactionKind
from node.remote_members import membership_of
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post, Reaction


async def _group_hosted_here(session: AsyncSession, post: Post) -> Group | None:
    group = await session.get_one(Group, post.group_id)
    return group if (await session.get_one(Actor, group.actor_id)).local else None


async def add_support(
    session: AsyncSession, post: Post, actor_id: int, *, activity_uri: str | None, now: datetime
) -> Reaction | None:
    """Store a support reaction; None if a concurrent request (a double click, the same Like
    delivered twice at once) stored the same one first: the same outcome."""
    reaction = Reaction(
        post_id=post.id,
        actor_id=actor_id,
        kind=ReactionKind.SUPPORT,
        activity_uri=activity_uri,
        created_at=now,
    )
    session.add(reaction)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return None
    return reaction


async def store_remote_reaction(
    session: AsyncSession, post: Post, actor: Actor, *, activity_uri: str, now: datetime
) -> bool:
    """A member of another node supports ``post`` (a Like with id ``activity_uri``).

    Idempotent; False when the post was deleted, removed or is not yet approved (there
    is nothing to support, as far as anyone can see).
    """
    unshared = post.held_at is not None or post.pending_at is not None
    if post.deleted_at is not None or post.removed_at is not None or unshared:
        return False
    hosted = await _group_hosted_here(session, post)
    if hosted is not None:
        membership = await membership_of(session, hosted, actor)
        if membership is not None and membership.state is MembershipState.BANNED:
            raise PermissionDenied(f"{actor.uri} is banned from this group")
        if membership is None or membership.state is not MembershipState.APPROVED:
            raise PermissionDenied(f"{actor.uri} is not a member of this group")
    existing = await _reaction_of(session, post, actor)
    if existing is not None:
        # A repeat (or a fresh Like for the same support): the newest id is the one to undo.
        existing.activity_uri = activity_uri
        return True
    reaction = await add_support(session, post, actor.id, activity_uri=activity_uri, now=now)
    if reaction is not None and hosted is not None:
        await record(
            session,
            EventKind.REACTED,
            actor_id=actor.id,
            subject_id=reaction.id,
            now=now,
            activity=activity_uri,
        )
    return True


async def remove_remote_reaction(
    session: AsyncSession,
    post: Post,
    actor: Actor,
    *,
    like_uri: str | None,
    activity_uri: str,
    now: datetime,
) -> bool:
    """A member of another node takes back their support (an Undo with id ``activity_uri``).

    The reaction is found by the Like's id, else as the actor's reaction to ``post``
    (Lemmy undoes a vote with a new Like of the same object); False if there is none.
    """
    reaction = None
    if like_uri is not None:
        reaction = await session.scalar(
            select(Reaction).where(Reaction.post_id == post.id, Reaction.activity_uri == like_uri)
        )
        if reaction is not None and reaction.actor_id != actor.id:
            raise PermissionDenied(f"{actor.uri} cannot take back another actor's support")
    if reaction is None:
        reaction = await _reaction_of(session, post, actor)
    if reaction is None:
        return False
    like_uri = reaction.activity_uri or like_uri
    await session.delete(reaction)
    await session.flush()
    if await _group_hosted_here(session, post) is not None:
        await record(
            session,
            EventKind.UNREACTED,
            actor_id=actor.id,
            subject_id=post.id,
            now=now,
            like_uri=like_uri,
            activity=activity_uri,
        )
    return True


async def _reaction_of(session: AsyncSession, post: Post, actor: Actor) -> Reaction | None:
    return await session.scalar(
        select(Reaction).where(
            Reaction.post_id == post.id,
            Reaction.actor_id == actor.id,
            Reaction.kind == ReactionKind.SUPPORT,
        )
    )
