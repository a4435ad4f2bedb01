"""A group hosted here sends its actor again (``Update`` of the ``Group``) when what it says
of itself changes (its crisis resources), to the nodes of its approved members, as it
sends everything else: they store it at once, as they store a group's ``Update`` of
itself (``federation.remote.groups.group_updated``). A public group's ``Update`` is
addressed to the public and its followers, a private group's to its followers only.

``group_actor`` is the one place our ``Group`` document is put together, for this and
for a fetch of the actor (``web.activitypub``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import member_inboxes
from federation.outbox.sending import new_activity_id, send
from federation.protocol import activities
from federation.protocol.documents import PublishedKeys, group_document
from federation.protocol.vocab import CONTEXT
from federation.signing.keystore import public_keys
from node.crisis.resources import stored_list
from node.events import PendingEvent
from node.federated.actors import group_by_id
from node.groups import loading
from node.site import Site

# Read-only: a group's row, to build its document as a fetch of it is answered.
from node.storage.models.actors import Actor
from node.storage.models.groups import Group


async def group_actor(
    session: AsyncSession,
    site: Site,
    record: loading.GroupRecord,
    *,
    now: datetime,
    domain: str | None = None,
) -> dict[str, Any]:
    """Our ``Group`` document of a group hosted here, as it is now (context included), as
    the node at ``domain`` may read it: a private group's crisis resources (which say
    much of what it is about) only for the nodes of its members, as its content."""
    view = await loading.view_of(session, record)
    keys = PublishedKeys.of(await public_keys(session, record.actor, now=now))
    readable = await loading.readable_by_node(session, record.group, record.actor, domain)
    resources = await stored_list(session, record.group.id) if readable else None
    return group_document(view, keys, site.base_url, resources)


async def send_group_update(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    assert event.subject_id is not None
    group = await group_by_id(session, event.subject_id)
    if not group.actor.local:
        return
    inboxes = await member_inboxes(session, group.id)
    if not inboxes:
        return
    row = await session.get_one(Group, group.id)
    record = loading.GroupRecord(
        actor=await session.get_one(Actor, row.actor_id), group=row, membership=None
    )
    # Sent to its members' nodes only: each may read the whole group.
    document = await group_actor(session, site, record, now=now, domain=site.domain)
    document.pop("@context", None)
    activity = activities.group_update(
        new_activity_id(site, now), group.actor.uri, document, public=group.public
    )
    await send(
        session,
        actor=group.actor,
        activity=activity,
        inboxes=inboxes,
        object_uri=group.actor.uri,
        now=now,
        context=CONTEXT,
    )
