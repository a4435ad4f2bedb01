"""Blocking: a member stops someone (or everyone on a node) from reaching them.

A blocked person's posts and replies are hidden from the member, and the person may
not reply to the member's posts, mention them or ask them for a conversation
(``checks``). Blocking someone on another node records an event: federation sends the
member's ``Block`` to that person's server, as Mastodon does, so it can stop them there
too and tell them if it wishes; unblocking sends its ``Undo``. A node block stays here:
it is the member's own, not the node's federation policy, and nothing is sent.

Blocks also arrive: another server's user blocked one of our members. That is kept
(``blocked_by_remote``) with the ``Block``'s id, so we stop sending them our member's
requests and messages and the ``Undo`` finds it.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.boundaries.entries import NodeEntry, PersonEntry
from node.boundaries.muting import check_person
from node.errors import InvalidInput
from node.events import EventKind, record
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.boundaries import ActorBlock, NodeBlock
from node.views import Viewer

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$")


async def _block_row(session: AsyncSession, owner_id: int, actor_id: int) -> ActorBlock | None:
    return await session.scalar(
        select(ActorBlock).where(ActorBlock.owner_id == owner_id, ActorBlock.actor_id == actor_id)
    )


async def block(
    session: AsyncSession, viewer: Viewer, target: Actor, *, now: datetime
) -> PersonEntry:
    """The member blocks ``target``. Blocking again changes nothing and sends nothing."""
    check_person(viewer, target)
    row = await _block_row(session, viewer.actor_id, target.id)
    if row is None:
        row = ActorBlock(owner_id=viewer.actor_id, actor_id=target.id, created_at=now)
        session.add(row)
        await session.flush()
        if not target.local:
            await record(
                session,
                EventKind.ACTOR_BLOCKED,
                actor_id=viewer.actor_id,
                subject_id=target.id,
                now=now,
            )
    return PersonEntry(actor_ref(target), row.created_at)


async def unblock(session: AsyncSession, viewer: Viewer, target: Actor, *, now: datetime) -> None:
    """The member lifts their block of ``target``. Unblocking someone not blocked changes
    nothing."""
    row = await _block_row(session, viewer.actor_id, target.id)
    if row is None:
        return
    block_uri = row.activity_uri
    await session.delete(row)
    if not target.local:
        await record(
            session,
            EventKind.ACTOR_UNBLOCKED,
            actor_id=viewer.actor_id,
            subject_id=target.id,
            now=now,
            block_uri=block_uri,
        )


async def remember_block_uri(session: AsyncSession, owner_id: int, actor_id: int, uri: str) -> bool:
    """Note the id our member's ``Block`` goes out with (for its ``Undo``); False when
    the block was lifted before it was sent (then nothing need go)."""
    row = await _block_row(session, owner_id, actor_id)
    if row is None:
        return False
    row.activity_uri = uri
    return True


def node_domain(value: str, site: Site) -> str:
    """A node as a member names it (``far.example``, or its address), as we store it."""
    domain = value.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not _DOMAIN.match(domain):
        raise InvalidInput("a node's name, like social.example", field="domain")
    if domain == site.domain:
        raise InvalidInput("this is your own node", field="domain")
    return domain


async def block_node(
    session: AsyncSession, site: Site, viewer: Viewer, domain: str, *, now: datetime
) -> NodeEntry:
    """The member blocks a whole node for themselves. Again: changes nothing."""
    domain = node_domain(domain, site)
    row = await session.scalar(
        select(NodeBlock).where(NodeBlock.owner_id == viewer.actor_id, NodeBlock.domain == domain)
    )
    if row is None:
        row = NodeBlock(owner_id=viewer.actor_id, domain=domain, created_at=now)
        session.add(row)
    return NodeEntry(domain, row.created_at)


async def unblock_node(session: AsyncSession, site: Site, viewer: Viewer, domain: str) -> None:
    """The member lifts their block of a node."""
    domain = node_domain(domain, site)
    await session.execute(
        delete(NodeBlock).where(NodeBlock.owner_id == viewer.actor_id, NodeBlock.domain == domain)
    )


async def _remote_and_ours(
    session: AsyncSession, owner_id: int, member_id: int
) -> tuple[Actor, Actor] | None:
    owner = await session.get(Actor, owner_id)
    member = await session.get(Actor, member_id)
    if owner is None or member is None or owner.local or not member.local:
        return None
    return owner, member


async def blocked_by_remote(
    session: AsyncSession, owner_id: int, member_id: int, *, activity_uri: str, now: datetime
) -> bool:
    """Someone on another server blocked our member (their server's ``Block``): kept, so
    neither may ask the other and we send them nothing of our member's. False when it
    does not name one of our people."""
    if await _remote_and_ours(session, owner_id, member_id) is None:
        return False
    row = await _block_row(session, owner_id, member_id)
    if row is None:
        session.add(
            ActorBlock(
                owner_id=owner_id, actor_id=member_id, activity_uri=activity_uri, created_at=now
            )
        )
    else:
        row.activity_uri = activity_uri
    return True


async def unblocked_by_remote(session: AsyncSession, owner_id: int, member_id: int) -> bool:
    """That server's ``Undo`` of the ``Block`` (matched by who blocked whom, as one
    person blocks another once): False when it lifts none we hold."""
    if await _remote_and_ours(session, owner_id, member_id) is None:
        return False
    row = await _block_row(session, owner_id, member_id)
    if row is None:
        return False
    await session.delete(row)
    return True
