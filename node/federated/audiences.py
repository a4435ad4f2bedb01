"""Who hears of what happens: a group's members, an actor's followers, as actor ids.

The ids are of every approved member or accepted follower, here and elsewhere;
whoever sends (federation) keeps the endpoints of those elsewhere and picks them
out by these ids.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.kinds import FollowState, MembershipState
from node.storage.models.actors import Follow
from node.storage.models.groups import Membership


async def approved_member_ids(session: AsyncSession, group_id: int) -> list[int]:
    """The actors of a group's approved members, the earliest to join first."""
    rows = await session.scalars(
        select(Membership.member_id)
        .where(Membership.group_id == group_id, Membership.state == MembershipState.APPROVED)
        .order_by(Membership.id)
    )
    return list(rows)


async def accepted_follower_ids(session: AsyncSession, actor_id: int) -> list[int]:
    """The actors whose follow of ``actor_id`` was accepted, the earliest first."""
    rows = await session.scalars(
        select(Follow.follower_id)
        .where(Follow.followee_id == actor_id, Follow.state == FollowState.ACCEPTED)
        .order_by(Follow.id)
    )
    return list(rows)
