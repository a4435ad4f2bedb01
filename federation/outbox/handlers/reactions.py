"""Support: a member's ``Like`` of a post, and its ``Undo`` naming the Like by id.

Both go to the group's inbox, and the group's node Announces them to its members'
nodes; only the Announce's addressing may be public.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.sending import new_activity_id, share_in_group
from federation.protocol import activities
from node.events import PendingEvent
from node.federated.actors import actor_by_id
from node.federated.outgoing_posts import post_in_group
from node.federated.reaction_records import reaction_record, remember_reaction_uri
from node.site import Site


async def send_support(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    assert event.subject_id is not None
    reaction = await reaction_record(session, event.subject_id)
    if reaction is None:
        return  # taken back before it was sent: nothing to say
    uri = reaction.uri
    if uri is None:
        # Our member's Like gets its id now, kept so that taking the support back can name
        # it; a remote member's keeps the id it reached us with.
        uri = new_activity_id(site, now)
        await remember_reaction_uri(session, reaction.id, uri)
    post = reaction.post
    like = activities.like(uri, reaction.actor.uri, post.uri, post.group.actor.uri)
    await share_in_group(session, site, now, reaction.actor, post, like)


async def send_support_taken_back(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    assert event.subject_id is not None
    post = await post_in_group(session, event.subject_id)
    like_uri = event.data.get("like_uri")
    if post is None or not like_uri:
        return  # the Like was never sent: there is nothing to take back
    actor = await actor_by_id(session, event.actor_id)
    group = post.group.actor.uri
    like = activities.like(like_uri, actor.uri, post.uri, group)
    uri = event.data.get("activity") or new_activity_id(site, now)
    undo = activities.undo_like(uri, actor.uri, like, group)
    await share_in_group(session, site, now, actor, post, undo)
