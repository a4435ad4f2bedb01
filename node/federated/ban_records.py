"""A ban as it travels: the group, and the member banned from it.

A ban is a membership in the ``banned`` state (``node.moderation``); lifting it
deletes the membership, so the lifting names the member and the group instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor, KnownGroup, actor_by_id, group_by_id
from node.kinds import MembershipState
from node.storage.models.groups import Membership


@dataclass(frozen=True)
class Ban:
    group: KnownGroup
    member: KnownActor


async def standing_ban(session: AsyncSession, membership_id: int) -> Ban | None:
    """The ban that membership ``membership_id`` is, or None once it is lifted."""
    membership = await session.get(Membership, membership_id)
    if membership is None or membership.state is not MembershipState.BANNED:
        return None
    return Ban(
        group=await group_by_id(session, membership.group_id),
        member=await actor_by_id(session, membership.member_id),
    )
