"""What a group hosted elsewhere decides about itself, mirrored here.

A group is moderated on its own node: when it says it removed or restored a post,
pinned or locked a thread, banned or unbanned one of our members, shared or turned
down our member's post, or that it is private, this node follows its word for what
we hold of it (the rules are in ``posts``, ``pins``, ``locks``, ``moderation``,
``pending_posts`` and ``groups``). Federation checks first that the group said it;
it passes values (``actors``), never rows. Each returns False when we hold
nothing the decision is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import locks, moderation, pending_posts, pins
from node.federated.actors import KnownActor, KnownGroup, known_group
from node.groups import remote_groups
from node.posts import removal
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post


async def _row(session: AsyncSession, group: KnownGroup) -> Group:
    return await session.get_one(Group, group.id)


async def group_private(session: AsyncSession, group: KnownGroup) -> None:
    """Its content reached us addressed to its members only (``groups.mark_private``)."""
    await remote_groups.mark_private(session, await _row(session, group))


async def post_removed(
    session: AsyncSession, group: KnownGroup, uri: str, *, reason: str = "", now: datetime
) -> bool:
    """Its moderators removed one of its posts, saying why (``posts.removed_elsewhere``)."""
    row = await _row(session, group)
    return await removal.removed_elsewhere(session, row, uri, reason=reason, now=now)


async def post_restored(
    session: AsyncSession, group: KnownGroup, uri: str, *, reason: str = "", now: datetime
) -> bool:
    """Its moderators restored a post they had removed (``posts.restored_elsewhere``)."""
    row = await _row(session, group)
    return await removal.restored_elsewhere(session, row, uri, reason=reason, now=now)


async def thread_pinned(
    session: AsyncSession, group: KnownGroup, uri: str, *, pinned: bool, now: datetime
) -> bool:
    """It pinned (or unpinned) one of its threads (``pins.pinned_elsewhere``)."""
    row = await _row(session, group)
    return await pins.pinned_elsewhere(session, row, uri, pinned=pinned, now=now)


async def thread_locked(
    session: AsyncSession,
    group: KnownGroup,
    uri: str,
    *,
    locked: bool,
    reason: str = "",
    now: datetime,
) -> bool:
    """It locked (or unlocked) one of its threads (``locks.locked_elsewhere``)."""
    row = await _row(session, group)
    return await locks.locked_elsewhere(session, row, uri, locked=locked, reason=reason, now=now)


async def member_banned(
    session: AsyncSession,
    group: KnownGroup,
    member: KnownActor,
    *,
    until: datetime | None,
    reason: str = "",
    now: datetime,
) -> None:
    """It banned one of our members (``moderation.banned_elsewhere``)."""
    actor = await session.get_one(Actor, member.id)
    await moderation.banned_elsewhere(
        session, await _row(session, group), actor, until=until, reason=reason, now=now
    )


async def member_unbanned(session: AsyncSession, group: KnownGroup, member: KnownActor) -> bool:
    """It lifted its ban on one of our members (``moderation.unbanned_elsewhere``)."""
    actor = await session.get_one(Actor, member.id)
    return await moderation.unbanned_elsewhere(session, await _row(session, group), actor)


async def post_shared(session: AsyncSession, group: KnownGroup, uri: str, *, now: datetime) -> bool:
    """It shared our member's post (``pending_posts.shared_elsewhere``)."""
    return await pending_posts.shared_elsewhere(session, await _row(session, group), uri, now=now)


async def post_declined(
    session: AsyncSession, group: KnownGroup, uri: str, *, now: datetime
) -> bool:
    """It turned our member's post down (``pending_posts.declined_elsewhere``)."""
    row = await _row(session, group)
    return await pending_posts.declined_elsewhere(session, row, uri, now=now)


@dataclass(frozen=True)
class WaitingPost:
    """Our member's post that waits for its group elsewhere to share it."""

    uri: str
    group: KnownGroup


async def waiting_post(session: AsyncSession, public_id: str) -> WaitingPost | None:
    """Our member's post ``public_id``, if it waits for its group (and was not turned down)."""
    found = (
        await session.execute(
            select(Post, Group, Actor)
            .join(Group, Group.id == Post.group_id)
            .join(Actor, Actor.id == Group.actor_id)
            .where(Post.public_id == public_id, Post.local.is_(True))
            .where(Post.pending_at.is_not(None), Post.removed_at.is_(None))
        )
    ).first()
    if found is None:
        return None
    post, group, group_actor = found
    return WaitingPost(uri=post.uri, group=known_group(group, group_actor))
