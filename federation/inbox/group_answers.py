"""A group elsewhere answering our member's post: shared, or turned down.

Our member's post in a group hosted elsewhere waits, seen by its author only, until
that group shares it (``node.pending_posts``). The group shares it by announcing it
to every member's node, ours included: as its author's ``Create`` (Kinfolk, Lemmy,
Mbin, PieFed), an ``Update``, or the post itself (Guppe- and Fedify-style groups),
embedded or by id. It turns it down with a ``Reject`` naming the post (Kinfolk's
shape, which is GoToSocial's for refused interactions), or by removing it before
sharing it (read as any moderator's removal, ``posts.removal.removed_elsewhere``). Only the
group the post was sent to is believed, and only about posts in it: the inbox
worker passes the group that signed the activity, and ``node.pending_posts`` checks
that the post waits in that group.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.protocol.readings import POST_TYPES
from federation.protocol.vocab import id_of, same_origin
from federation.tables import InboxItem, OutgoingActivity, QueueState
from node import pending_posts
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post

_ABOUT_A_POST = {"Create", "Update"}


async def our_post_named(session: AsyncSession, base_url: str, obj: Any) -> str | None:
    """The URI of the post of ours that ``obj`` names, if it names one: the post itself
    (by id or embedded), or our ``Create`` or ``Update`` of it (by id or embedded)."""
    if isinstance(obj, dict):
        kind = obj.get("type")
        if kind in POST_TYPES:
            uri = id_of(obj)
        elif kind in _ABOUT_A_POST:
            uri = id_of(obj.get("object")) or id_of(obj)
        else:
            return None
    else:
        uri = id_of(obj)
    if uri is None or not same_origin(uri, base_url):
        return None
    if await session.scalar(select(Post.id).where(Post.uri == uri, Post.local.is_(True))):
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
        found = (
            await session.execute(
                select(Post, Actor.uri)
                .join(Group, Group.id == Post.group_id)
                .join(Actor, Actor.id == Group.actor_id)
                .where(Post.public_id == public_id, Post.local.is_(True))
                .where(Post.pending_at.is_not(None), Post.removed_at.is_(None))
            )
        ).first()
        if found is None:
            return False
        post, group_uri = found
        queued = await session.scalars(
            select(InboxItem.payload).where(
                InboxItem.actor_uri == group_uri, InboxItem.state == QueueState.QUEUED
            )
        )
        for payload in queued:
            activity = json.loads(payload)
            if activity.get("type") != "Announce":
                continue
            if await our_post_named(session, base_url, activity.get("object")) == post.uri:
                group = await session.get_one(Group, post.group_id)
                return await pending_posts.shared_elsewhere(session, group, post.uri, now=now)
    return False
