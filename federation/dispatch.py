"""Turning the domain's events into activities and deliveries.

The domain records what happened (``node.events``); this reads the events not yet
dispatched, oldest first, builds the activity for each, queues one delivery per
remote inbox (shared inboxes where known), and marks the event dispatched, all
in one transaction, so an event is dispatched exactly once even with several
workers (each claims a batch with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).

Only what may travel travels: posts of private groups never go to a member's
followers (group federation decides who receives those).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import urls
from federation.objects import object_from_post
from federation.outbox import enqueue
from federation.tables import RemoteActor
from federation.vocab import AS_CONTEXT, PUBLIC
from node import posts
from node.events import EventKind
from node.ids import new_public_id
from node.site import Site
from node.storage.models import (
    Actor,
    Event,
    Follow,
    FollowState,
    Group,
    Post,
    Visibility,
)

log = logging.getLogger("kinfolk.dispatch")

BATCH = 100


async def _inbox_of(session: AsyncSession, actor_id: int) -> str | None:
    remote = await session.get(RemoteActor, actor_id)
    return None if remote is None else remote.inbox


async def _follower_inboxes(session: AsyncSession, actor_id: int) -> list[str]:
    """Inboxes of the remote followers of a local actor, one per shared inbox."""
    rows = await session.execute(
        select(RemoteActor.shared_inbox, RemoteActor.inbox)
        .join(Follow, Follow.follower_id == RemoteActor.actor_id)
        .where(Follow.followee_id == actor_id, Follow.state == FollowState.ACCEPTED)
    )
    return list(dict.fromkeys(shared or inbox for shared, inbox in rows))


def _activity(
    site: Site, now: datetime, kind: str, actor: Actor, obj: Any, **extra: Any
) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": urls.activity(site.base_url, new_public_id(now)),
        "type": kind,
        "actor": actor.uri,
        "object": obj,
        **extra,
    }


async def _follow_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    follow = await session.get(Follow, event.subject_id)
    if follow is None:
        return  # withdrawn before it was sent: nothing to say
    follower = await session.get_one(Actor, follow.follower_id)
    followee = await session.get_one(Actor, follow.followee_id)
    inbox = await _inbox_of(session, followee.id)
    if inbox is None:
        return
    activity = _activity(site, now, "Follow", follower, followee.uri)
    follow.activity_uri = activity["id"]
    await enqueue(session, actor_id=follower.id, activity=activity, inboxes=[inbox],
                  object_uri=follow.activity_uri, now=now)  # fmt: skip


async def _accept_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    follow = await session.get(Follow, event.subject_id)
    if follow is None:
        return
    follower = await session.get_one(Actor, follow.follower_id)
    followee = await session.get_one(Actor, follow.followee_id)
    inbox = await _inbox_of(session, follower.id)
    if inbox is None:
        return
    request = {"id": follow.activity_uri, "type": "Follow", "actor": follower.uri,
               "object": followee.uri}  # fmt: skip
    activity = _activity(site, now, "Accept", followee, request)
    await enqueue(session, actor_id=followee.id, activity=activity, inboxes=[inbox],
                  object_uri=follow.activity_uri, now=now)  # fmt: skip


async def _undo_follow_activity(
    session: AsyncSession, site: Site, event: Event, now: datetime
) -> None:
    follower = await session.get_one(Actor, event.actor_id)
    followee = await session.get(Actor, event.subject_id)
    if followee is None:
        return
    inbox = await _inbox_of(session, followee.id)
    data = json.loads(event.data)
    if inbox is None or not data.get("follow_uri"):
        return
    request = {"id": data["follow_uri"], "type": "Follow", "actor": follower.uri,
               "object": followee.uri}  # fmt: skip
    activity = _activity(site, now, "Undo", follower, request)
    await enqueue(session, actor_id=follower.id, activity=activity, inboxes=[inbox],
                  object_uri=data["follow_uri"], now=now)  # fmt: skip


async def _post_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    post = await session.get(Post, event.subject_id)
    if post is None or not post.local:
        return
    group = await session.get_one(Group, post.group_id)
    if group.visibility is not Visibility.PUBLIC:
        return
    author = await session.get_one(Actor, post.author_id)
    inboxes = await _follower_inboxes(session, author.id)
    if not inboxes:
        return
    view = await posts.get_post(session, None, post.public_id)
    document = object_from_post(view)
    document.pop("@context", None)
    kind = {
        EventKind.POST_CREATED: "Create",
        EventKind.POST_EDITED: "Update",
        EventKind.POST_DELETED: "Delete",
    }[EventKind(event.kind)]
    if kind == "Delete":
        document = {"id": post.uri, "type": "Tombstone"}
    activity = _activity(site, now, kind, author, document, to=[PUBLIC],
                         cc=[urls.followers(author.uri)])  # fmt: skip
    await enqueue(session, actor_id=author.id, activity=activity, inboxes=inboxes,
                  object_uri=post.uri, now=now)  # fmt: skip


_HANDLERS = {
    EventKind.FOLLOW_REQUESTED: _follow_activity,
    EventKind.FOLLOW_ACCEPTED: _accept_activity,
    EventKind.FOLLOW_WITHDRAWN: _undo_follow_activity,
    EventKind.POST_CREATED: _post_activity,
    EventKind.POST_EDITED: _post_activity,
    EventKind.POST_DELETED: _post_activity,
}


async def _claim(session: AsyncSession) -> Sequence[Event]:
    statement = select(Event).where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return (await session.scalars(statement)).all()


async def dispatch_once(session: AsyncSession, site: Site, *, now: datetime) -> int:
    """Dispatch one batch of events in the caller's transaction; return how many."""
    events = await _claim(session)
    for event in events:
        handler = _HANDLERS.get(EventKind(event.kind))
        if handler is not None:
            await handler(session, site, event, now)
        event.dispatched_at = now
    return len(events)
