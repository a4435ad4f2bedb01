"""The identity table: looking up and creating actors (members and groups)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import Conflict, NotFound
from node.handles import handle_key
from node.kinds import ActorKind
from node.storage.models.actors import Actor
from node.views import ActorRef


def actor_ref(actor: Actor) -> ActorRef:
    return ActorRef(
        uri=actor.uri,
        kind=actor.kind,
        handle=actor.handle,
        domain=actor.domain,
        display_name=actor.display_name or actor.handle,
        local=actor.local,
    )


def split_acct(acct: str, local_domain: str) -> tuple[str, str]:
    """``name``, ``@name``, ``name@domain`` or ``!name@domain`` → (name, domain)."""
    name, _, domain = acct.lstrip("@!").partition("@")
    return name, (domain.lower() or local_domain)


async def find_actor(
    session: AsyncSession, handle: str, domain: str, kind: ActorKind | None = None
) -> Actor:
    query = select(Actor).where(Actor.handle_key == handle_key(handle), Actor.domain == domain)
    if kind is not None:
        query = query.where(Actor.kind == kind)
    actor = await session.scalar(query.order_by(Actor.local.desc(), Actor.id).limit(1))
    if actor is None:
        noun = kind.value if kind is not None else "one"
        raise NotFound(f"no {noun} called {handle!r} here")
    return actor


async def find_local_actor_by_uri(session: AsyncSession, uri: str) -> Actor:
    actor = await session.scalar(select(Actor).where(Actor.uri == uri, Actor.local.is_(True)))
    if actor is None:
        raise NotFound(f"no actor {uri!r} here")
    return actor


async def create_local_actor(
    session: AsyncSession,
    *,
    kind: ActorKind,
    handle: str,
    domain: str,
    uri: str,
    display_name: str,
    summary: str,
    now: datetime,
    field: str = "handle",
) -> Actor:
    """Insert a local actor, refusing a handle already taken by a member or a group."""
    key = handle_key(handle)
    taken = await session.scalar(
        select(Actor.id).where(Actor.domain == domain, Actor.handle_key == key)
    )
    if taken is not None:
        raise Conflict(f"the name {handle!r} is already taken here", field=field)
    actor = Actor(
        uri=uri,
        kind=kind,
        local=True,
        handle=handle,
        handle_key=key,
        domain=domain,
        display_name=display_name,
        summary=summary,
        created_at=now,
        updated_at=now,
    )
    try:
        # Added inside the savepoint, so a lost race leaves nothing pending behind.
        async with session.begin_nested():
            session.add(actor)
            await session.flush()
    except IntegrityError:
        # Someone took the name between our check and our insert.
        raise Conflict(f"the name {handle!r} is already taken here", field=field) from None
    return actor


async def upsert_remote_actor(
    session: AsyncSession,
    *,
    uri: str,
    kind: ActorKind,
    handle: str,
    domain: str,
    display_name: str,
    summary: str,
    reads_care_reports: bool = False,
    now: datetime,
) -> Actor:
    """Create or refresh what we know of an actor on another node (keyed by its URI);
    ``reads_care_reports``: its node said it reads care reports."""
    actor = await session.scalar(select(Actor).where(Actor.uri == uri))
    if actor is not None and actor.local:
        raise Conflict(f"{uri} is one of ours and cannot be updated from outside")
    if actor is None:
        actor = Actor(uri=uri, local=False, created_at=now)
        session.add(actor)
    actor.kind = kind
    actor.handle = handle
    actor.handle_key = handle_key(handle)
    actor.domain = domain
    actor.display_name = display_name
    actor.summary = summary
    actor.reads_care_reports = reads_care_reports
    actor.updated_at = now
    await session.flush()
    return actor


async def find_actor_by_uri(session: AsyncSession, uri: str) -> Actor | None:
    return await session.scalar(select(Actor).where(Actor.uri == uri))


async def actor_id_by_uri(session: AsyncSession, uri: str) -> int | None:
    """The id of the actor at ``uri``, for callers that only name it in their own rows."""
    return await session.scalar(select(Actor.id).where(Actor.uri == uri))
