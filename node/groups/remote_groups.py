"""Groups hosted on other nodes: what we know of them, as their nodes describe them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import PermissionDenied
from node.kinds import JoinPolicy, Visibility
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, RemoteModerator


async def upsert_remote_group(
    session: AsyncSession,
    actor: Actor,
    *,
    join_policy: JoinPolicy,
    posting_restricted_to_moderators: bool,
    visibility: Visibility = Visibility.PUBLIC,
    language: str | None = None,
    allow_anonymous_posts: bool = False,
) -> Group:
    """What we know of a group hosted elsewhere (its actor is already stored).

    Once known to be private, a group stays private here whatever a later, less
    explicit description says (see ``mark_private``): the safe way to be wrong.
    """
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    if group is None:
        group = Group(actor_id=actor.id, visibility=visibility)
        session.add(group)
    elif visibility is Visibility.PRIVATE:
        group.visibility = visibility
    group.join_policy = join_policy
    group.posting_restricted_to_moderators = posting_restricted_to_moderators
    group.allow_anonymous_posts = allow_anonymous_posts
    group.language = language or group.language or "en"
    group.default_content_warning = group.default_content_warning or ""
    await session.flush()
    return group


async def mark_private(session: AsyncSession, group: Group) -> None:
    """A group elsewhere turned out to be private (its content reached us addressed to its
    members only): from now on its content here is for its members on this node only."""
    if group.visibility is not Visibility.PRIVATE:
        group.visibility = Visibility.PRIVATE
        await session.flush()


async def mirror_moderators(session: AsyncSession, group: Group, actors: Sequence[Actor]) -> None:
    """A group hosted elsewhere named its moderators (in its order): remember exactly those."""
    if (await session.get_one(Actor, group.actor_id)).local:
        raise PermissionDenied("a group hosted here has its own moderators")
    kept = list({actor.id: actor for actor in actors}.values())
    rows = {
        row.actor_id: row
        for row in await session.scalars(
            select(RemoteModerator).where(RemoteModerator.group_id == group.id)
        )
    }
    for actor_id, row in rows.items():
        if actor_id not in {actor.id for actor in kept}:
            await session.delete(row)
    for position, actor in enumerate(kept, start=1):
        if actor.id in rows:
            rows[actor.id].position = position
        else:
            session.add(RemoteModerator(group_id=group.id, actor_id=actor.id, position=position))
    await session.flush()
