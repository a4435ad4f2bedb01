"""Follows and requests to join, from elsewhere, and the answers to ours.

A ``Follow`` of one of our groups is a request to join it (FEP-1b12); of one of our
members, a follow. ``Accept`` and ``Reject`` must come from the followed actor: a
group's answer to our member's request to join it (or, a ``Reject`` naming our
member's post, its refusal of the post: ``handlers.group_answers``), or a member's
node's answer to our member's follow. An ``Undo`` of a ``Follow`` is the follower
leaving or unfollowing, and only the follower undoes it.

A group's ``Accept`` of our member's request asks for the group's recent threads and
pins to be back-filled: queued here, in the item's transaction (as durable as the
membership), and done by ``federation.remote.backfill`` in the background.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.group_answers import on_declined, our_post_named, post_named_by
from federation.inbox.handlers.lookups import local_actor, named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed
from federation.remote import group_sync
from node.federated import ties
from node.federated.actors import KnownActor, actor_named, group_of

log = logging.getLogger("kinfolk.processing")


async def on_follow(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    target = await local_actor(session, activity.object_id)
    follower = await named_actor(session, activity.actor)
    if target.is_group:
        group = await group_of(session, target)
        if group is None:
            raise Ignored(f"{target.uri} is not a group here")
        state = await ties.join_asked(
            session, group, follower, follow_uri=activity.id, now=fed.clock()
        )
        said = state.value if state is not None else "refused, not on a trusted node"
        log.info("%s asked to join %s: %s", follower.uri, target.uri, said)
        return
    if not target.is_person:
        raise Ignored(f"{target.uri} cannot be followed")
    await ties.follow_asked(session, follower, target, activity_uri=activity.id, now=fed.clock())


async def on_answer(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """An ``Accept`` or ``Reject`` from the actor our member asked to follow or join."""
    followee = await named_actor(session, activity.actor)
    if followee.is_group:
        post_uri = await our_post_named(session, fed.site.base_url, post_named_by(activity.object))
        if post_uri is not None and activity.type == "Reject":
            await on_declined(fed, session, followee, post_uri)
            return
        await _join_answered(fed, session, activity, followee)
        return
    follow = activity.object
    follower = await ties.follower_in(
        session,
        followee,
        follow_uri=activity.object_id,
        follower_uri=follow.actor if isinstance(follow, ActivityReading) else None,
    )
    if follower is None:
        raise Ignored("it answers no follow request of ours")
    if activity.type == "Accept":
        await ties.follow_accepted(session, follower, followee)
    else:
        await ties.follow_ended(session, follower, followee, now=fed.clock())


async def _join_answered(
    fed: Federation, session: AsyncSession, activity: ActivityReading, group_actor: KnownActor
) -> None:
    """A group elsewhere answered one of our members' requests to join it."""
    follow = activity.object
    member_uri = follow.actor if isinstance(follow, ActivityReading) else None
    group = await group_of(session, group_actor)
    member = await actor_named(session, member_uri) if member_uri else None
    if member is None and isinstance(follow, str):  # Lemmy-style: the Follow by id only
        member = await ties.member_asking(session, follow)
    if group is None or member is None or not member.local:
        raise Ignored("it answers no request of ours to join")
    accepted = activity.type == "Accept"
    newly = await ties.join_pending(session, group, member)
    # A Reject's ``summary`` (plain text by now) says why: Kinfolk's trusted-nodes-only
    # groups give one; the member sees it with the refusal, as with a ban.
    reason = "" if accepted else activity.summary
    if not await ties.join_answered(
        session, group, member, accepted=accepted, reason=reason, now=fed.clock()
    ):
        raise Ignored("it answers no request of ours to join")
    if accepted and newly:
        await group_sync.request(session, group_actor.id, now=fed.clock(), backfill=True)


async def on_undo_follow(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    follow = activity.object
    assert isinstance(follow, ActivityReading)  # routed here by the Follow it undoes
    if follow.actor != activity.actor:
        raise Malformed("an actor can only undo its own follow")
    follower = await actor_named(session, activity.actor)
    followee = await local_actor(session, follow.object_id)
    if follower is None:
        return
    if followee.is_group:
        group = await group_of(session, followee)
        if group is not None and await ties.left(session, group, follower):
            log.info("%s left %s", follower.uri, followee.uri)
        return
    await ties.follow_ended(session, follower, followee, now=fed.clock())
