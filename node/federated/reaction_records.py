"""Support as it travels: a reaction, the post it is for, and the id it goes out with.

A reaction made here gets the id of the ``Like`` that carries it when it is sent,
and keeps it, so that taking the support back can name it; one from another node
keeps the id it reached us with (``node.reactions``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor, actor_by_id
from node.federated.outgoing_posts import PostInGroup, post_in_group_of
from node.storage.models.posts import Post, Reaction


@dataclass(frozen=True)
class ReactionRecord:
    id: int
    post: PostInGroup
    actor: KnownActor
    # The id it travels under: None for one of ours not sent yet.
    uri: str | None


async def reaction_record(session: AsyncSession, reaction_id: int) -> ReactionRecord | None:
    """The reaction ``reaction_id``, or None once it is taken back."""
    reaction = await session.get(Reaction, reaction_id)
    if reaction is None:
        return None
    return ReactionRecord(
        id=reaction.id,
        post=await post_in_group_of(session, await session.get_one(Post, reaction.post_id)),
        actor=await actor_by_id(session, reaction.actor_id),
        uri=reaction.activity_uri,
    )


async def remember_reaction_uri(session: AsyncSession, reaction_id: int, uri: str) -> None:
    """Keep the id our member's reaction went out with."""
    (await session.get_one(Reaction, reaction_id)).activity_uri = uri
