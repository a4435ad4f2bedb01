"""The actors an activity names, looked up for a handler or set aside (``Ignored``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.inbox.prepared import Ignored
from node.federated.actors import KnownActor, actor_named


async def named_actor(session: AsyncSession, uri: str) -> KnownActor:
    """An actor we hold (prefetch stored the ones we lacked)."""
    actor = await actor_named(session, uri)
    if actor is None:
        raise Ignored(f"{uri} could not be looked up")
    return actor


async def local_actor(session: AsyncSession, uri: str | None) -> KnownActor:
    """One of this node's members or groups."""
    actor = await actor_named(session, uri) if uri else None
    if actor is None or not actor.local:
        raise Ignored(f"{uri} is not an actor on this node")
    return actor
