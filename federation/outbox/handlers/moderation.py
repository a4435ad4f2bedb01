"""Moderators' acts in a group hosted here, each the moderator's own activity, which
the group Announces to its members' nodes, as Lemmy's communities do: a removal (and
its restoring), a thread's lock (and unlocking), a ban (and its lifting).

A ban also goes to the node of the member banned, unless that account deleted itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import member_inboxes, node_inbox_of
from federation.outbox.sending import announce, new_activity_id, share_in_group
from federation.protocol import activities
from node.events import EventKind, PendingEvent
from node.federated.actors import (
    KnownActor,
    KnownGroup,
    actor_by_id,
    find_actor_by_id,
    find_group_by_actor_id,
)
from node.federated.ban_records import standing_ban
from node.federated.outgoing_posts import PostInGroup, post_in_group
from node.site import Site


async def _moderated_post(
    session: AsyncSession, event: PendingEvent
) -> tuple[PostInGroup, KnownActor] | None:
    """The post a moderator's act is about, and the moderator."""
    assert event.subject_id is not None
    post = await post_in_group(session, event.subject_id)
    if post is None:
        return None
    return post, await actor_by_id(session, event.actor_id)


async def send_removal(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A moderator's removal: their own ``Delete`` with the reason as ``summary`` (Lemmy
    calls it a Remove)."""
    found = await _moderated_post(session, event)
    if found is None:
        return
    post, moderator = found
    activity = _removal(site, now, post, moderator, event)
    await share_in_group(session, site, now, moderator, post, activity)


async def send_restoring(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A moderator's restoring of a removed post: their ``Undo`` of a removal's ``Delete``.
    Nodes match it by the post, not by the first Delete's id."""
    found = await _moderated_post(session, event)
    if found is None:
        return
    post, moderator = found
    delete = _removal(site, now, post, moderator, event)
    undo = activities.restoration(
        new_activity_id(site, now),
        moderator.uri,
        delete,
        group=post.group.actor.uri,
        public=post.group.public,
    )
    await share_in_group(session, site, now, moderator, post, undo)


def _removal(
    site: Site, now: datetime, post: PostInGroup, moderator: KnownActor, event: PendingEvent
) -> dict[str, Any]:
    return activities.removal(
        new_activity_id(site, now),
        moderator.uri,
        post.uri,
        group=post.group.actor.uri,
        public=post.group.public,
        reason=event.data.get("reason") or "",
    )


async def send_lock(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """A moderator's ``Lock`` of a thread (or its ``Undo``), by the thread's start, with the
    reason as ``summary``."""
    found = await _moderated_post(session, event)
    if found is None:
        return
    post, moderator = found
    reason = event.data.get("reason") or None
    group, public = post.group.actor.uri, post.group.public
    if event.kind is EventKind.POST_LOCKED:
        activity = activities.lock(
            new_activity_id(site, now),
            moderator.uri,
            post.uri,
            group=group,
            public=public,
            reason=reason,
        )
    else:
        lock = activities.lock(
            new_activity_id(site, now), moderator.uri, post.uri, group=group, public=public
        )
        activity = activities.unlock(
            new_activity_id(site, now),
            moderator.uri,
            lock,
            group=group,
            public=public,
            reason=reason,
        )
    await share_in_group(session, site, now, moderator, post, activity)


async def send_ban(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    assert event.subject_id is not None
    ban = await standing_ban(session, event.subject_id)
    if ban is None:
        return  # lifted before it was sent
    if not ban.group.actor.local:
        return
    moderator = await actor_by_id(session, event.actor_id)
    block = activities.block(
        new_activity_id(site, now),
        moderator.uri,
        ban.member.uri,
        group=ban.group.actor.uri,
        reason=event.data.get("reason"),
        until=event.data.get("until"),
    )
    await _announce_ban(session, site, now, ban.group, ban.member, block)


async def send_unban(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    member = await find_actor_by_id(session, event.subject_id)
    group = await find_group_by_actor_id(session, event.data.get("group"))
    if member is None or group is None or not group.actor.local:
        return
    moderator = await actor_by_id(session, event.actor_id)
    block = activities.block(
        new_activity_id(site, now), moderator.uri, member.uri, group=group.actor.uri
    )
    undo = activities.unblock(
        new_activity_id(site, now),
        moderator.uri,
        block,
        member=member.uri,
        group=group.actor.uri,
        reason=event.data.get("reason"),
    )
    await _announce_ban(session, site, now, group, member, undo)


async def _announce_ban(
    session: AsyncSession,
    site: Site,
    now: datetime,
    group: KnownGroup,
    member: KnownActor,
    activity: dict[str, Any],
) -> None:
    """The group Announces a ban (or its lifting) to its members' nodes and the member's
    (the ban of an account that deleted itself is news to nobody there)."""
    inboxes = await member_inboxes(session, group.id)
    own = None if member.local else await node_inbox_of(session, member.id)
    if own is not None and own not in inboxes:
        inboxes.append(own)
    await announce(session, site, now, group, activity, inboxes, activity["id"])
