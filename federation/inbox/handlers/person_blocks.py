"""Another server's user blocked one of our members, or lifted that block (Mastodon's
``Block`` of a person, without ``target``, and its ``Undo``).

It is kept, so that neither may ask the other for a conversation and we send that
person nothing more of our member's (``node.boundaries.blocking``). Only the blocker's
own server speaks for them: such a Block never comes through a group.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.lookups import local_actor, named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.readings import ActivityReading
from node.boundaries import blocking
from node.federated.actors import KnownActor
from node.kinds import ActorKind

log = logging.getLogger("kinfolk.processing")


def is_person_block(block: ActivityReading, via: str | None) -> bool:
    """A person's block (no group named as ``target``, not passed on by a group)."""
    return block.target is None and via is None


async def _parties(
    session: AsyncSession, block: ActivityReading, actor: str
) -> tuple[KnownActor, KnownActor]:
    owner = await named_actor(session, actor)
    if block.actor != actor or owner.local or owner.kind is not ActorKind.PERSON:
        raise Ignored("a person's block is said by that person, from their own server")
    member = await local_actor(session, block.object_id)
    if member.kind is not ActorKind.PERSON:
        raise Ignored(f"{member.uri} is not one of our members")
    return owner, member


async def on_block(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """Someone elsewhere blocked one of our members."""
    owner, member = await _parties(session, activity, activity.actor)
    await blocking.blocked_by_remote(
        session, owner.id, member.id, activity_uri=activity.id, now=fed.clock()
    )
    log.info("%s blocked %s", owner.uri, member.uri)


async def on_undo_block(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """... and lifted that block (the ``Undo`` of the Block)."""
    block = activity.object
    assert isinstance(block, ActivityReading)  # routed here by the Block it undoes
    owner, member = await _parties(session, block, activity.actor)
    if not await blocking.unblocked_by_remote(session, owner.id, member.id):
        raise Ignored("it lifts no block we know of")
    log.info("%s unblocked %s", owner.uri, member.uri)
