"""The trusted tier, as the rest of the node asks it: is this actor at home here or on a
node the admin marked trusted (``kinfolk policy trust``)? Read in the caller's
transaction, so a change applies to the next request; a domain held off is never
trusted, whatever its mark."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from node.federation_policy.visibility import decision_for
from node.storage.models.actors import Actor


async def on_trusted_node(session: AsyncSession, actor: Actor) -> bool:
    """The actor is a member of this node, or of a trusted node that federates."""
    if actor.local:
        return True
    decision = await decision_for(session, actor)
    return decision.federates and decision.trusted
