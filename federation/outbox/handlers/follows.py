"""Follows and joins: a member's request to follow a member, or to join a group
elsewhere (following its actor, FEP-1b12), and its answer or withdrawal.

Both go out alike, and their ``Accept``, ``Reject`` and ``Undo`` name the request by
the id it went out with, as Lemmy and Mastodon match it. Nothing more goes to an
account that deleted itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import inbox_of
from federation.outbox.sending import new_activity_id, send
from federation.protocol import activities
from node.events import EventKind, PendingEvent
from node.federated.actors import KnownActor, actor_by_id, find_actor_by_id
from node.federated.follow_requests import (
    FollowRequest,
    follow_request,
    join_request,
    remember_request_uri,
)
from node.site import Site


async def _request_of(session: AsyncSession, event: PendingEvent) -> FollowRequest | None:
    """The follow (or, for a join, the membership) the event is about."""
    assert event.subject_id is not None
    joins = event.kind in {EventKind.JOIN_REQUESTED, EventKind.JOIN_ACCEPTED}
    return await (join_request if joins else follow_request)(session, event.subject_id)


async def send_request(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """Our member's request goes to the one followed (or the group), which keeps its id."""
    request = await _request_of(session, event)
    if request is None:
        return  # withdrawn before it was sent: nothing to say
    inbox = await inbox_of(session, request.followee.id)
    if inbox is None:
        return
    uri = new_activity_id(site, now)
    activity = activities.follow(
        uri, request.follower.uri, request.followee.uri, joins_group=request.joins_group
    )
    await remember_request_uri(session, request, uri)
    await send(
        session, actor=request.follower, activity=activity, inboxes=[inbox], object_uri=uri, now=now
    )


async def send_acceptance(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A member (or a group) here accepted a request from elsewhere."""
    request = await _request_of(session, event)
    if request is not None:
        await _about_follow(
            session,
            site,
            now,
            "Accept",
            request.followee,
            request.follower,
            request.followee,
            request.uri,
        )


async def send_withdrawal(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """Our member no longer follows someone elsewhere (or left a group there)."""
    follower = await actor_by_id(session, event.actor_id)
    followee = await find_actor_by_id(session, event.subject_id)
    if followee is not None:
        follow_uri = event.data.get("follow_uri")
        await _about_follow(session, site, now, "Undo", follower, follower, followee, follow_uri)


async def send_rejection(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A group here turned down (or, banned, refused) a request to join from elsewhere."""
    member = await find_actor_by_id(session, event.subject_id)
    if member is None:
        return
    group_actor = await actor_by_id(session, event.actor_id)
    follow_uri = event.data.get("follow_uri")
    await _about_follow(
        session,
        site,
        now,
        "Reject",
        group_actor,
        member,
        group_actor,
        follow_uri,
        summary=event.data.get("reason", ""),
    )


async def _about_follow(
    session: AsyncSession,
    site: Site,
    now: datetime,
    kind: str,
    speaker: KnownActor,
    follower: KnownActor,
    followee: KnownActor,
    follow_uri: str | None,
    *,
    summary: str = "",
) -> None:
    """``kind`` of a Follow, said by ``speaker`` to the other side (``summary``: why)."""
    other = follower if speaker.id == followee.id else followee
    inbox = await inbox_of(session, other.id)
    if inbox is None or not follow_uri:
        return
    activity = activities.about_follow(
        new_activity_id(site, now),
        kind,
        speaker.uri,
        follow_uri=follow_uri,
        follower=follower.uri,
        followee=followee.uri,
        to=other.uri,
        summary=summary,
    )
    await send(
        session, actor=speaker, activity=activity, inboxes=[inbox], object_uri=follow_uri, now=now
    )
