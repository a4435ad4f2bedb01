"""Our activities as other servers may fetch them by their ids (``/activities/{id}``).

Design note: an activity tells what its object tells and more (who did it, to whom),
so it is served only while everything in it may be read now by whoever asks, under
the very check that serves its object. Two kinds are served:

- a ``Create`` or ``Update`` of a post, while that post is served whole by
  ``node.posts.reading.post_for_node`` (the check behind ``/posts/{id}``): not deleted,
  removed, held or by a suspended account, and in a private group only to the nodes
  that may read it. The post is embedded as it is now, never as the stored payload
  had it: an edit or a deletion is not undone by an old activity;
- a group's ``Announce`` of one of those, on the same terms.

Every other kind answers as a missing one: a ``Delete`` would name the author of a
deleted post or the moderator who removed one (a group may hide its moderators'
names), a ``Like`` who supported what (nobody is shown that), a ``Follow``,
``Accept`` or ``Block`` who belongs to which group, and a ``Flag`` is the node's word
to another node's moderators alone. A conversation's ``Create`` carries a message,
which is no post (``node.conversations``), so it answers as missing too, to everyone,
the other member's node included. Activities are kept while their deliveries are
(``federation.outbox.enqueue.purge_finished``), so an id answers for about a week after its
last delivery, and then 404.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.protocol.objects import as_from_post
from federation.protocol.vocab import id_of, with_context
from federation.tables import OutgoingActivity
from node.errors import NotFound
from node.posts import reading

POST_ACTIVITIES = frozenset({"Create", "Update"})
POST_TYPES = frozenset({"Note", "Page"})


def _post_activity(activity: Any) -> str | None:
    """The post a ``Create``/``Update`` carries (by its id), if ``activity`` is one."""
    if not isinstance(activity, dict) or activity.get("type") not in POST_ACTIVITIES:
        return None
    post = activity.get("object")
    if not isinstance(post, dict) or post.get("type") not in POST_TYPES:
        return None
    return id_of(post)


def _served(activity: dict[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
    """The post a servable activity is about, and the inner activity of an ``Announce``
    (None for a ``Create``/``Update`` itself); None when this kind is not served."""
    if activity.get("type") == "Announce":
        inner = activity.get("object")
        post_uri = _post_activity(inner)
        return None if post_uri is None else (post_uri, inner)
    post_uri = _post_activity(activity)
    return None if post_uri is None else (post_uri, None)


def _rebuilt(stored: dict[str, Any], actor: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``stored`` (its id and type) by ``actor`` with ``obj`` for object, addressed as
    ``obj`` is: as the post is now (a group may have turned private since)."""
    return {
        "id": stored.get("id"),
        "type": stored.get("type"),
        "actor": actor,
        "object": obj,
        "audience": obj["audience"],
        "to": obj["to"],
        "cc": obj["cc"],
    }


async def activity_for_node(session: AsyncSession, uri: str, domain: str | None) -> dict[str, Any]:
    """The activity ``uri`` as the node at ``domain`` (``None``: an unsigned request) may
    read it now, or ``NotFound`` word for word as a missing one."""
    payload = await session.scalar(
        select(OutgoingActivity.payload).where(OutgoingActivity.uri == uri)
    )
    if payload is None:
        raise NotFound("no such activity")
    stored = json.loads(payload)
    served = _served(stored) if isinstance(stored, dict) else None
    if served is None:
        raise NotFound("no such activity")
    post_uri, inner = served
    try:
        post = await reading.post_at_for_node(session, post_uri, domain)
    except NotFound:
        raise NotFound("no such activity") from None  # word for word as a missing one
    if post.deleted or post.author is None:
        raise NotFound("no such activity")
    # By construction the post's author made it and its group announced it; a payload
    # that says otherwise is served as nothing rather than as what the post shows.
    made = stored if inner is None else inner
    if made.get("actor") != post.author.uri or (
        inner is not None and stored.get("actor") != post.group.uri
    ):
        raise NotFound("no such activity")
    activity = _rebuilt(made, post.author.uri, as_from_post(post))
    if inner is not None:
        activity = _rebuilt(stored, post.group.uri, activity)
    return with_context(activity)
