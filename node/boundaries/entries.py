"""What a member sees of their own boundaries: the people they muted or blocked and the
nodes they blocked, newest first, a page at a time (as every API list is paged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.storage.models.actors import Actor
from node.storage.models.boundaries import ActorBlock, Mute, NodeBlock
from node.views import ActorRef, Viewer


@dataclass(frozen=True)
class PersonEntry:
    """Someone the member muted or blocked, since when."""

    actor: ActorRef
    since: datetime


@dataclass(frozen=True)
class NodeEntry:
    """A node the member blocked for themselves, since when."""

    domain: str
    since: datetime


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    (after,) = decode_cursor(cursor, int)
    assert isinstance(after, int)
    return after


async def _people(
    session: AsyncSession,
    table: type[Mute] | type[ActorBlock],
    viewer: Viewer,
    cursor: str | None,
    limit: int | None,
) -> Page[PersonEntry]:
    size = check_limit(limit)
    query = (
        select(table.id, table.created_at, Actor)
        .join(Actor, Actor.id == table.actor_id)
        .where(table.owner_id == viewer.actor_id)
        .order_by(table.id.desc())
        .limit(size + 1)
    )
    after = _after(cursor)
    if after is not None:
        query = query.where(table.id < after)
    rows = (await session.execute(query)).all()
    items = [PersonEntry(actor_ref(actor), since) for _, since, actor in rows[:size]]
    more = len(rows) > size
    return Page(items, encode_cursor(rows[size - 1][0]) if more else None)


async def muted(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None = None, limit: int | None = None
) -> Page[PersonEntry]:
    """Whom the member muted."""
    return await _people(session, Mute, viewer, cursor, limit)


async def blocked(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None = None, limit: int | None = None
) -> Page[PersonEntry]:
    """Whom the member blocked."""
    return await _people(session, ActorBlock, viewer, cursor, limit)


async def blocked_nodes(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None = None, limit: int | None = None
) -> Page[NodeEntry]:
    """Which nodes the member blocked for themselves."""
    size = check_limit(limit)
    query = (
        select(NodeBlock.id, NodeBlock.domain, NodeBlock.created_at)
        .where(NodeBlock.owner_id == viewer.actor_id)
        .order_by(NodeBlock.id.desc())
        .limit(size + 1)
    )
    after = _after(cursor)
    if after is not None:
        query = query.where(NodeBlock.id < after)
    rows = (await session.execute(query)).all()
    items = [NodeEntry(domain, since) for _, domain, since in rows[:size]]
    more = len(rows) > size
    return Page(items, encode_cursor(rows[size - 1][0]) if more else None)


@dataclass(frozen=True)
class Stance:
    """Whether the member muted or blocked one person (for the buttons beside them)."""

    muted: bool
    blocked: bool


async def stance(session: AsyncSession, viewer: Viewer, actor_id: int) -> Stance:
    muted = await session.scalar(
        select(Mute.id).where(Mute.owner_id == viewer.actor_id, Mute.actor_id == actor_id)
    )
    blocked = await session.scalar(
        select(ActorBlock.id).where(
            ActorBlock.owner_id == viewer.actor_id, ActorBlock.actor_id == actor_id
        )
    )
    return Stance(muted is not None, blocked is not None)
