"""Who takes part in what the node tells other nodes: actors and groups as values.

Whoever turns an event into a message (federation) needs an actor's row id (its
keys and endpoints are kept by it), its URI and whether it is one of ours, and of
a group also whether anyone may read it. These are those facts, never the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.kinds import Visibility
from node.storage.models.actors import Actor
from node.storage.models.groups import Group


@dataclass(frozen=True)
class Party:
    """An actor (a member, a group, the node itself) taking part in an event."""

    id: int
    uri: str
    local: bool


@dataclass(frozen=True)
class GroupParty:
    """A group taking part in an event: its row, its actor, and whether it is public."""

    id: int
    actor: Party
    public: bool


def party_of(actor: Actor) -> Party:
    return Party(id=actor.id, uri=actor.uri, local=actor.local)


async def party(session: AsyncSession, actor_id: int) -> Party:
    """The actor ``actor_id``, which must exist."""
    return party_of(await session.get_one(Actor, actor_id))


async def find_party(session: AsyncSession, actor_id: int | None) -> Party | None:
    """The actor ``actor_id``, or None when there is none (any more)."""
    actor = None if actor_id is None else await session.get(Actor, actor_id)
    return None if actor is None else party_of(actor)


async def group_party(session: AsyncSession, group_id: int) -> GroupParty:
    """The group ``group_id``, which must exist."""
    return await group_party_of(session, await session.get_one(Group, group_id))


async def group_party_of(session: AsyncSession, group: Group) -> GroupParty:
    return GroupParty(
        id=group.id,
        actor=await party(session, group.actor_id),
        public=group.visibility is Visibility.PUBLIC,
    )


async def find_group_party_by_actor(
    session: AsyncSession, actor_id: int | None
) -> GroupParty | None:
    """The group whose actor is ``actor_id``, or None when there is no such group."""
    actor = await find_party(session, actor_id)
    if actor is None:
        return None
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    if group is None:
        return None
    return GroupParty(id=group.id, actor=actor, public=group.visibility is Visibility.PUBLIC)
