"""A group elsewhere answering our member's post: shared, or turned down.

Our member's post in a group hosted elsewhere waits, seen by its author only, until
that group shares it (``node.pending_posts``). The group shares it by announcing it
to every member's node, ours included: as its author's ``Create`` (Kinfolk, Lemmy,
Mbin, PieFed), an ``Update``, or the post itself (Guppe- and Fedify-style groups),
embedded or by id. It turns it down with a ``Reject`` naming the post (Kinfolk's
shape, which is GoToSocial's for refused interactions), or by removing it before
sharing it (read as any moderator's removal, ``handlers.moderation``). Only the
group the post was sent to is believed, and only about posts in it: the inbox
worker passes the group that signed the activity, and ``node.pending_posts`` checks
that the post waits in that group. Anything else of ours a group shares back is
ignored: we hold the original.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.inbox.handlers.lookups import named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.event_readings import EventReading
from federation.protocol.post_readings import POST_TYPES, PostReading
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import id_of, same_origin
from federation.remote.actors import ActorDocument
from federation.tables import InboxItem, OutgoingActivity, QueueState
from node.federated import group_decisions, incoming_posts
from node.federated.actors import KnownActor, group_of

log = logging.getLogger("kinfolk.processing")

_ABOUT_A_POST = {"Create", "Update"}


def post_named_in(obj: Any) -> str | None:
    """The post an announced object names, as sent: the post itself (by id or embedded), or
    a ``Create`` or ``Update`` of it (by id or embedded)."""
    if isinstance(obj, dict):
        kind = obj.get("type")
        if kind in POST_TYPES:
            return id_of(obj)
        if kind in _ABOUT_A_POST:
            return id_of(obj.get("object")) or id_of(obj)
        return None
    return id_of(obj)


def post_named_by(
    obj: PostReading | EventReading | ActorDocument | ActivityReading | str,
) -> str | None:
    """The post a reading's object names, as ``post_named_in`` reads it before reading."""
    if isinstance(obj, PostReading):
        return obj.uri
    if isinstance(obj, ActivityReading):
        return obj.object_id if obj.type in _ABOUT_A_POST else None
    if isinstance(obj, str):
        return obj
    return None


async def our_post_named(session: AsyncSession, base_url: str, uri: str | None) -> str | None:
    """The URI of the post of ours that ``uri`` names, if it names one: the post itself,
    or our ``Create`` or ``Update`` of it."""
    if uri is None or not same_origin(uri, base_url):
        return None
    if await incoming_posts.is_ours(session, uri):
        return uri
    # One of our activities, by its id: what it was about, if it made or changed a post.
    row = (
        await session.execute(
            select(OutgoingActivity.payload, OutgoingActivity.object_uri).where(
                OutgoingActivity.uri == uri
            )
        )
    ).first()
    if row is None or json.loads(row.payload).get("type") not in _ABOUT_A_POST:
        return None
    about: str | None = row.object_uri
    return about


async def on_shared_back(
    fed: Federation, session: AsyncSession, group_uri: str, post_uri: str
) -> None:
    """A group elsewhere shared our member's post: everyone's to read now."""
    group = await group_of(session, await named_actor(session, group_uri))
    if group is None or not await group_decisions.post_shared(
        session, group, post_uri, now=fed.clock()
    ):
        raise Ignored("a group shares something of this node's; we hold the original")
    log.info("%s shared %s", group_uri, post_uri)


async def on_declined(
    fed: Federation, session: AsyncSession, group_actor: KnownActor, post_uri: str
) -> None:
    """A group elsewhere turned our member's post down before sharing it."""
    group = await group_of(session, group_actor)
    if group is None or not await group_decisions.post_declined(
        session, group, post_uri, now=fed.clock()
    ):
        raise Ignored("it turns down no post of ours waiting in that group")
    log.info("%s turned down %s", group_actor.uri, post_uri)


async def shared_while_queued(
    sessions: async_sessionmaker[AsyncSession], base_url: str, public_id: str, *, now: datetime
) -> bool:
    """Whether our member's waiting post ``public_id`` was shared by its group in an
    ``Announce`` that has arrived (verified, so from the group) but that the inbox worker
    has not read yet; if so, it is taken as shared now.

    A group announces a post to every member's node at once, and a third node checks an
    announced post by fetching it from its origin, here, often before our worker has read
    the same ``Announce``: reading it at that moment spares that node a 404 and a retry."""
    async with sessions.begin() as session:
        waiting = await group_decisions.waiting_post(session, public_id)
        if waiting is None:
            return False
        queued = await session.scalars(
            select(InboxItem.payload).where(
                InboxItem.actor_uri == waiting.group.actor.uri,
                InboxItem.state == QueueState.QUEUED,
            )
        )
        for payload in queued:
            activity = json.loads(payload)
            if activity.get("type") != "Announce":
                continue
            named = post_named_in(activity.get("object"))
            if await our_post_named(session, base_url, named) == waiting.uri:
                return await group_decisions.post_shared(
                    session, waiting.group, waiting.uri, now=now
                )
    return False
