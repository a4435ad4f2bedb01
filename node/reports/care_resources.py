"""The resources a kind message offers a member: the group's, then the node's.

The same choice as every page makes (``node.crisis.choosing.resources_for``), for the
member the message is for: in their language, and for their country if they said one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from node import accounts
from node.crisis.choosing import CrisisResource, member_country, resources_for
from node.views import Viewer


async def resources_for_member(
    session: AsyncSession, *, group_id: int | None, viewer: Viewer
) -> tuple[CrisisResource, ...]:
    """The resources for ``viewer`` about group ``group_id`` (None: the node's alone),
    the group's first."""
    account = await accounts.get_account(session, viewer)
    return await resources_for(
        session,
        group_id=group_id,
        languages=[account.locale],
        country=await member_country(session, viewer.account_id),
    )
