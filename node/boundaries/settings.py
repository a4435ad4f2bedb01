"""Who may ask a member for a conversation: their own setting, nobody else's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from node.kinds import ContactPolicy
from node.storage.models.actors import Account
from node.views import Viewer


async def contact_policy(session: AsyncSession, viewer: Viewer) -> ContactPolicy:
    """Who may ask the member now."""
    account = await session.get_one(Account, viewer.account_id)
    return account.contact_policy


async def set_contact_policy(
    session: AsyncSession, viewer: Viewer, policy: ContactPolicy
) -> ContactPolicy:
    """The member chooses who may ask them; it holds from the next request on."""
    account = await session.get_one(Account, viewer.account_id)
    account.contact_policy = policy
    return policy
