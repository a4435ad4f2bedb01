"""A member of this node deleted their account: the ``Delete`` of their actor goes to
every node that may hold their words (``node.account_deletion.audience``, computed when
they deleted it), one delivery per shared inbox, signed with their own key.

Their key is kept (``node.account_deletion``): the deliveries are signed when they go,
possibly hours later after retries, and a receiver checks them with the key it already
holds, since the actor document answers 410 by then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import inboxes_of
from federation.outbox.sending import send
from federation.protocol.account_deletion import actor_deletion
from node.events import PendingEvent
from node.federated.actors import actor_by_id
from node.site import Site


async def send_account_deletion(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """The member's ``Delete`` of themselves, to the nodes of those named in the event."""
    audience = [i for i in event.data.get("audience", []) if isinstance(i, int)]
    inboxes = await inboxes_of(session, audience)
    if not inboxes:
        return
    member = await actor_by_id(session, event.actor_id)
    activity = actor_deletion(member.uri)
    await send(
        session, actor=member, activity=activity, inboxes=inboxes, object_uri=member.uri, now=now
    )
