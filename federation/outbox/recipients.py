"""Where our activities go: the inboxes of actors on other nodes.

Node says who is to hear of something (a group's members, an actor's followers:
``node.federated.audiences``) by actor id; federation keeps the endpoints of the actors
elsewhere (``RemoteActor``) and picks theirs out here, one per shared inbox where
they have one, so a node hears once of what several of its members are to hear.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.tables import RemoteActor
from node.federated.audiences import accepted_follower_ids, approved_member_ids

# Actor ids looked up per query: a group's members may be thousands, and SQLite and
# asyncpg take a few tens of thousands of parameters at most.
_CHUNK = 1000


async def inbox_of(session: AsyncSession, actor_id: int) -> str | None:
    """A remote actor's own inbox; None for an account that deleted itself (nothing more
    is sent to it, whatever was still to be said: an Accept, a Reject, an Undo)."""
    remote = await session.get(RemoteActor, actor_id)
    return None if remote is None or remote.deleted_at is not None else remote.inbox


async def node_inbox_of(session: AsyncSession, actor_id: int) -> str | None:
    """The inbox of a remote actor's node (its shared inbox, else its own); None for an
    account that deleted itself, or one of ours."""
    remote = await session.get(RemoteActor, actor_id)
    if remote is None or remote.deleted_at is not None:
        return None
    return remote.shared_inbox or remote.inbox


async def member_inboxes(session: AsyncSession, group_id: int) -> list[str]:
    """Inboxes of a group's approved members on other nodes, one per shared inbox."""
    return await _inboxes(session, await approved_member_ids(session, group_id))


async def follower_inboxes(session: AsyncSession, actor_id: int) -> list[str]:
    """Inboxes of the remote followers of a local actor, one per shared inbox."""
    return await _inboxes(session, await accepted_follower_ids(session, actor_id))


async def inboxes_of(session: AsyncSession, actor_ids: list[int]) -> list[str]:
    """The inboxes of those of ``actor_ids`` on other nodes, one per shared inbox."""
    return await _inboxes(session, actor_ids)


async def _inboxes(session: AsyncSession, actor_ids: list[int]) -> list[str]:
    """The inboxes of those of ``actor_ids`` on other nodes, in their order."""
    found: dict[int, str] = {}
    for start in range(0, len(actor_ids), _CHUNK):
        rows = await session.execute(
            select(RemoteActor.actor_id, RemoteActor.shared_inbox, RemoteActor.inbox).where(
                RemoteActor.actor_id.in_(actor_ids[start : start + _CHUNK])
            )
        )
        found.update((actor_id, shared or inbox) for actor_id, shared, inbox in rows)
    return list(dict.fromkeys(found[i] for i in actor_ids if i in found))
