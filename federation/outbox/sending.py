"""Sending what the handlers build: straight to inboxes, or through a group.

Groups federate as FEP-1b12 describes. A group hosted here shares every post,
edit and deletion in it (whoever wrote it, on whichever node), every member's
support and every moderator's act by ``Announce``-ing the activity to the nodes
of its members; our member's activity in a group hosted elsewhere goes to that
group's inbox, for it to share. Only what may travel travels: a private group's
activities reach only its approved members' nodes and are never addressed to the
public (``protocol.activities.group_addressing``).

Everything leaves through ``send``, which gives the activity its ``@context`` and
queues it in the caller's transaction (``federation.outbox.enqueue``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.enqueue import enqueue
from federation.outbox.recipients import inbox_of, member_inboxes
from federation.protocol import activities, urls
from federation.protocol.vocab import ACTIVITY_CONTEXT, with_context
from node.federated.actors import KnownActor, KnownGroup
from node.federated.outgoing_posts import PostInGroup
from node.ids import new_public_id
from node.site import Site


def new_activity_id(site: Site, now: datetime) -> str:
    """A fresh id for an activity of ours (served, for a while, at that address)."""
    return urls.activity(site.base_url, new_public_id(now))


async def send(
    session: AsyncSession,
    *,
    actor: KnownActor,
    activity: dict[str, Any],
    inboxes: list[str],
    object_uri: str | None,
    now: datetime,
    context: Any = ACTIVITY_CONTEXT,
) -> None:
    """Queue ``activity`` (signed by ``actor`` when it goes) for ``inboxes``."""
    await enqueue(
        session,
        actor_id=actor.id,
        activity=with_context(activity, context=context),
        inboxes=inboxes,
        object_uri=object_uri,
        now=now,
    )


async def announce(
    session: AsyncSession,
    site: Site,
    now: datetime,
    group: KnownGroup,
    activity: dict[str, Any],
    inboxes: list[str],
    object_uri: str,
) -> None:
    """A group hosted here Announces ``activity`` to ``inboxes``, addressed as its posts are."""
    if not inboxes:
        return
    shared = activities.announce(
        new_activity_id(site, now), group.actor.uri, activity, public=group.public
    )
    await send(
        session, actor=group.actor, activity=shared, inboxes=inboxes, object_uri=object_uri, now=now
    )


async def share_in_group(
    session: AsyncSession,
    site: Site,
    now: datetime,
    actor: KnownActor,
    post: PostInGroup,
    activity: dict[str, Any],
    *,
    also: list[str] | None = None,
) -> None:
    """An activity about ``post`` travels through its group: a group hosted here Announces
    it (whoever did it) to its members' nodes; our member's activity in a group elsewhere
    goes to that group's inbox, for it to share. The actor's own activity also goes, once,
    to the inboxes ``also`` names that the group does not reach."""
    group = post.group
    reached: list[str] = []
    own: list[str] = []
    if group.actor.local:
        reached = await member_inboxes(session, group.id)
        await announce(session, site, now, group, activity, reached, post.uri)
    elif actor.local:
        inbox = await inbox_of(session, group.actor.id)
        own = [] if inbox is None else [inbox]
    own += [inbox for inbox in also or () if inbox not in reached and inbox not in own]
    if own:
        await send(
            session, actor=actor, activity=activity, inboxes=own, object_uri=post.uri, now=now
        )
