"""Pins: a moderator's pin of a thread (``Add`` to the group's ``featured``) or unpin
(``Remove``), which the group Announces as Lemmy's communities do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.sending import new_activity_id, share_in_group
from federation.protocol import activities
from node.events import EventKind, PendingEvent
from node.federated.actors import actor_by_id
from node.federated.outgoing_posts import post_in_group
from node.site import Site


async def send_pin(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    assert event.subject_id is not None
    post = await post_in_group(session, event.subject_id)
    if post is None:
        return
    moderator = await actor_by_id(session, event.actor_id)
    kind = "Add" if event.kind is EventKind.POST_PINNED else "Remove"
    activity = activities.featuring(
        new_activity_id(site, now), kind, moderator.uri, post.uri, post.group.actor.uri
    )
    await share_in_group(session, site, now, moderator, post, activity)
