"""Muting: a member no longer sees someone's posts and replies. The muted person is not
told, and nothing leaves this node; they may still reply and ask (a block refuses)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.boundaries.entries import PersonEntry
from node.errors import InvalidInput
from node.kinds import ActorKind
from node.storage.models.actors import Actor
from node.storage.models.boundaries import Mute
from node.views import Viewer


def check_person(viewer: Viewer, target: Actor) -> None:
    """Mutes and blocks are of people, never of oneself (a group is left instead)."""
    if target.id == viewer.actor_id:
        raise InvalidInput("this is you", field="acct")
    if target.kind is not ActorKind.PERSON:
        raise InvalidInput(
            "only people can be muted or blocked; leave a group instead", field="acct"
        )


async def mute(
    session: AsyncSession, viewer: Viewer, target: Actor, *, now: datetime
) -> PersonEntry:
    """The member mutes ``target``. Muting again changes nothing."""
    check_person(viewer, target)
    row = await session.scalar(
        select(Mute).where(Mute.owner_id == viewer.actor_id, Mute.actor_id == target.id)
    )
    if row is None:
        row = Mute(owner_id=viewer.actor_id, actor_id=target.id, created_at=now)
        session.add(row)
    return PersonEntry(actor_ref(target), row.created_at)


async def unmute(session: AsyncSession, viewer: Viewer, target: Actor) -> None:
    """The member sees ``target`` again. Unmuting someone not muted changes nothing."""
    await session.execute(
        delete(Mute).where(Mute.owner_id == viewer.actor_id, Mute.actor_id == target.id)
    )
