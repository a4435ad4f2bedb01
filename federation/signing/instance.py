"""The instance actor: the node itself, as an ``Application`` that signs its fetches.

Peers that require signed fetches (Mastodon's authorized fetch, GoToSocial) need
a key to check before they answer a GET; signing as the node rather than as a
member reveals nothing about who is reading.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.protocol import urls
from node.actors import create_local_actor
from node.errors import Conflict
from node.kinds import ActorKind
from node.site import Site

# Read-only look-up; the instance actor is created through node.actors.
from node.storage.models.actors import Actor

INSTANCE_HANDLE = "instance"  # reserved: no member or group can take it


async def instance_actor(session: AsyncSession, site: Site, *, now: datetime) -> Actor:
    """The instance actor, created on first use."""
    uri = urls.instance_actor(site.base_url)
    actor = await session.scalar(select(Actor).where(Actor.uri == uri))
    if actor is not None:
        return actor
    try:
        return await create_local_actor(
            session,
            kind=ActorKind.APPLICATION,
            handle=INSTANCE_HANDLE,
            domain=site.domain,
            uri=uri,
            display_name=site.domain,
            summary="",
            now=now,
        )
    except Conflict:
        # Created concurrently by another request.
        return await session.scalar(select(Actor).where(Actor.uri == uri)) or _missing(uri)


def _missing(uri: str) -> Actor:
    raise RuntimeError(f"the instance actor {uri} vanished while being created")
