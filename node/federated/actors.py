"""Actors and groups as the values federation decides with, never the rows.

Another node's activity names its actors and groups by URI; an event of ours names
them by row id. Either way federation asks here what they are — a member or a
group, here or elsewhere, public or private — and passes the answers back to the
services that act on them: it never holds a row, so it can neither load more
through one nor change it. Federation keeps its own tables (keys, endpoints,
deliveries) by the actor's row id, which is why ``id`` is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import find_actor_by_uri
from node.kinds import ActorKind, Visibility
from node.storage.models.actors import Actor
from node.storage.models.groups import Group


@dataclass(frozen=True)
class KnownActor:
    """An actor we hold: one of our members or groups (``local``), or one elsewhere."""

    id: int
    uri: str
    kind: ActorKind
    local: bool

    @property
    def is_group(self) -> bool:
        return self.kind is ActorKind.GROUP

    @property
    def is_person(self) -> bool:
        return self.kind is ActorKind.PERSON


@dataclass(frozen=True)
class KnownGroup:
    """A group we hold, hosted here or elsewhere (``actor`` says which)."""

    id: int
    actor: KnownActor
    private: bool
    language: str

    @property
    def public(self) -> bool:
        return not self.private


def known(actor: Actor) -> KnownActor:
    return KnownActor(id=actor.id, uri=actor.uri, kind=actor.kind, local=actor.local)


def known_group(group: Group, actor: Actor | KnownActor) -> KnownGroup:
    return KnownGroup(
        id=group.id,
        actor=actor if isinstance(actor, KnownActor) else known(actor),
        private=group.visibility is Visibility.PRIVATE,
        language=group.language,
    )


async def actor_named(session: AsyncSession, uri: str) -> KnownActor | None:
    """The actor ``uri``, if we hold it."""
    actor = await find_actor_by_uri(session, uri)
    return None if actor is None else known(actor)


async def group_of(session: AsyncSession, actor: KnownActor) -> KnownGroup | None:
    """The group whose actor ``actor`` is; None if it is not one we hold as a group."""
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    return None if group is None else known_group(group, actor)


async def actor_by_id(session: AsyncSession, actor_id: int) -> KnownActor:
    """The actor ``actor_id``, which must exist."""
    return known(await session.get_one(Actor, actor_id))


async def find_actor_by_id(session: AsyncSession, actor_id: int | None) -> KnownActor | None:
    """The actor ``actor_id``, or None when there is none (any more)."""
    actor = None if actor_id is None else await session.get(Actor, actor_id)
    return None if actor is None else known(actor)


async def group_by_id(session: AsyncSession, group_id: int) -> KnownGroup:
    """The group ``group_id``, which must exist."""
    group = await session.get_one(Group, group_id)
    return known_group(group, await actor_by_id(session, group.actor_id))


async def find_group_by_actor_id(session: AsyncSession, actor_id: int | None) -> KnownGroup | None:
    """The group whose actor is ``actor_id``, or None when there is no such group."""
    actor = await find_actor_by_id(session, actor_id)
    return None if actor is None else await group_of(session, actor)
