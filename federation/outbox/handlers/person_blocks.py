"""A member's block of someone on another node: its ``Block`` to that person's inbox,
and the ``Undo`` when it is lifted (Mastodon's shapes, ``protocol.person_blocks``).

The Block's id is kept on the block, so that its Undo names it. A block lifted before
its Block went out sends nothing at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import inbox_of
from federation.outbox.sending import new_activity_id, send
from federation.protocol import person_blocks
from node.boundaries.blocking import remember_block_uri
from node.events import PendingEvent
from node.federated.actors import actor_by_id, find_actor_by_id
from node.site import Site


async def send_block(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """Our member blocked someone elsewhere: their server is told, as Mastodon does."""
    member = await actor_by_id(session, event.actor_id)
    blocked = await find_actor_by_id(session, event.subject_id)
    if blocked is None or blocked.local:
        return
    inbox = await inbox_of(session, blocked.id)
    uri = new_activity_id(site, now)
    if inbox is None or not await remember_block_uri(session, member.id, blocked.id, uri):
        return
    activity = person_blocks.block(uri, member.uri, blocked.uri)
    await send(session, actor=member, activity=activity, inboxes=[inbox], object_uri=uri, now=now)


async def send_unblock(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """... and lifted the block: the ``Undo`` of the Block that went out."""
    block_uri = event.data.get("block_uri")
    blocked = await find_actor_by_id(session, event.subject_id)
    if not isinstance(block_uri, str) or blocked is None or blocked.local:
        return  # the Block never went out: nothing to take back
    inbox = await inbox_of(session, blocked.id)
    if inbox is None:
        return
    member = await actor_by_id(session, event.actor_id)
    activity = person_blocks.undo(
        new_activity_id(site, now), member.uri, blocked.uri, block_uri=block_uri
    )
    await send(
        session, actor=member, activity=activity, inboxes=[inbox], object_uri=block_uri, now=now
    )
