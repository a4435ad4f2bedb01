"""Whose nodes may hold a deleted account's words, as actor ids elsewhere.

Computed when the account is deleted, before its ties are cut: federation sends the
``Delete`` of the actor to these actors' nodes, one per shared inbox. It is generous on
purpose (a node told of a deletion it had nothing of loses nothing), except where only
anonymous posts went: there the actor's Delete would say who wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from node.kinds import MembershipState
from node.storage.models.actors import Actor, Follow
from node.storage.models.conversations import Conversation
from node.storage.models.groups import Group, Membership
from node.storage.models.moderation import Report
from node.storage.models.posts import Post, Reaction


def _sources(actor_id: int) -> list[Select[Any]]:
    # Anonymous posts name no one: where only those went, the actor's Delete is not sent
    # (it would hint who wrote them); they are deleted as the group's or this node's act.
    named = and_(Post.author_id == actor_id, Post.anonymous.is_(False))
    groups_posted_in = select(Post.group_id).where(named)
    groups_supported = select(Post.group_id).where(
        Post.id.in_(select(Reaction.post_id).where(Reaction.actor_id == actor_id))
    )
    groups_joined = select(Membership.group_id).where(Membership.member_id == actor_id)
    groups_reported_to = select(Report.group_id).where(Report.reporter_id == actor_id)
    group_ids = union(
        groups_posted_in, groups_supported, groups_joined, groups_reported_to
    ).subquery()
    return [
        # Those who follow them, and those they follow (their servers were told of them).
        select(Follow.follower_id).where(Follow.followee_id == actor_id),
        select(Follow.followee_id).where(Follow.follower_id == actor_id),
        # Groups they joined, posted in, supported or reported to: a group elsewhere ...
        select(Group.actor_id).where(Group.id.in_(select(group_ids))),
        # ... and a group here announced their posts to its members' nodes.
        select(Membership.member_id).where(
            Membership.group_id.in_(select(Post.group_id).where(named)),
            Membership.state == MembershipState.APPROVED,
        ),
        # Conversation partners, whichever asked.
        select(Conversation.recipient_id).where(Conversation.asker_id == actor_id),
        select(Conversation.asker_id).where(Conversation.recipient_id == actor_id),
        # Those they reported, and the groups reported to, whose nodes had the Flag.
        select(Report.target_actor_id).where(
            Report.reporter_id == actor_id, Report.target_actor_id.is_not(None)
        ),
    ]


async def holders_of(session: AsyncSession, actor_id: int) -> list[int]:
    """The actors on other nodes whose servers may hold something of ``actor_id``'s, in
    id order."""
    candidates = union(*_sources(actor_id)).subquery()
    rows = await session.scalars(
        select(Actor.id)
        .where(Actor.id.in_(select(candidates)), Actor.local.is_(False))
        .order_by(Actor.id)
    )
    return list(rows)
