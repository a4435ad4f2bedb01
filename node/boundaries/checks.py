"""The questions other parts ask about a member's boundaries: may this actor ask them
for a conversation, has one blocked the other, whom does a viewer not want to see.

Ids are ``actors.id``, local members and remote actors alike. Every answer is read
fresh from the database inside the caller's transaction, so a block made a moment ago
already refuses.
"""

from __future__ import annotations

from sqlalchemy import CompoundSelect, exists, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node.errors import PermissionDenied
from node.federation_policy.trust import on_trusted_node
from node.kinds import ContactPolicy, MembershipState
from node.storage.models.actors import Account, Actor
from node.storage.models.boundaries import ActorBlock, Mute, NodeBlock
from node.storage.models.groups import Membership


async def blocks(session: AsyncSession, owner_id: int, other_id: int) -> bool:
    """owner has blocked other, or other's node (domain), for themselves."""
    by_actor = exists().where(ActorBlock.owner_id == owner_id, ActorBlock.actor_id == other_id)
    by_node = (
        select(NodeBlock.id)
        .join(Actor, Actor.domain == NodeBlock.domain)
        .where(NodeBlock.owner_id == owner_id, Actor.id == other_id)
        .exists()
    )
    return bool(await session.scalar(select(by_actor | by_node)))


async def share_a_group(session: AsyncSession, one_id: int, other_id: int) -> bool:
    """Both hold an approved membership in one group whose members this node knows."""
    mine, theirs = aliased(Membership), aliased(Membership)
    shared = (
        select(mine.id)
        .join(theirs, theirs.group_id == mine.group_id)
        .where(
            mine.member_id == one_id,
            mine.state == MembershipState.APPROVED,
            theirs.member_id == other_id,
            theirs.state == MembershipState.APPROVED,
        )
        .exists()
    )
    return bool(await session.scalar(select(shared)))


async def may_ask(session: AsyncSession, recipient_id: int, asker_id: int) -> bool:
    """May actor asker_id send a contact request to local member recipient_id: the
    recipient's ContactPolicy, and no block either way (actor or the asker's domain)."""
    if recipient_id == asker_id:
        return False
    policy = await session.scalar(
        select(Account.contact_policy).where(Account.actor_id == recipient_id)
    )
    asker = await session.get(Actor, asker_id)
    if policy is None or asker is None or policy == ContactPolicy.NOBODY:
        return False
    if await blocks(session, recipient_id, asker_id) or await blocks(
        session, asker_id, recipient_id
    ):
        return False
    if policy == ContactPolicy.ANYONE:
        return True
    if policy == ContactPolicy.THIS_NODE and asker.local:
        return True
    # This node's members count as on a trusted node (``node.federation_policy.trust``).
    if policy == ContactPolicy.TRUSTED_NODES and await on_trusted_node(session, asker):
        return True
    return await share_a_group(session, recipient_id, asker_id)


def hidden_actors(viewer_id: int) -> CompoundSelect[int]:
    """The ids ``hidden_from`` answers, as a query: lists filter by it in the database."""
    muted = select(Mute.actor_id).where(Mute.owner_id == viewer_id)
    blocked = select(ActorBlock.actor_id).where(ActorBlock.owner_id == viewer_id)
    on_blocked_nodes = (
        select(Actor.id)
        .join(NodeBlock, NodeBlock.domain == Actor.domain)
        .where(NodeBlock.owner_id == viewer_id, Actor.id != viewer_id)
    )
    return union(muted, blocked, on_blocked_nodes)


async def hidden_from(session: AsyncSession, viewer_id: int) -> frozenset[int]:
    """actor ids the viewer muted or blocked: not shown to the viewer anywhere."""
    return frozenset(await session.scalars(hidden_actors(viewer_id)))


# Said when a blocked person's reply is refused (the pages say it in the reader's words).
REPLY_REFUSED = "the person you are answering does not take replies from you"


async def require_may_reply(
    session: AsyncSession, *, parent_author_id: int, parent_anonymous: bool, author_id: int
) -> None:
    """A reply to a post whose author blocked the one replying is refused. Not to an
    anonymous post: refusing would tell the blocked person who wrote it."""
    if parent_anonymous:
        return
    if await blocks(session, parent_author_id, author_id):
        raise PermissionDenied(REPLY_REFUSED)
