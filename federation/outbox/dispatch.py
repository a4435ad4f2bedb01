"""Turning the domain's events into activities and deliveries.

The domain records what happened (``node.events``); this reads the events not yet
dispatched, oldest first, builds the activity for each, queues one delivery per
remote inbox (shared inboxes where known), and marks the event dispatched, all
in one transaction, so an event is dispatched exactly once even with several
workers (each claims a batch with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).

Groups federate as FEP-1b12 describes. A group hosted here shares every post,
edit and deletion in it (whoever wrote it, on whichever node) by ``Announce``-ing
the author's activity to the nodes of its members; a post of ours in a group
hosted elsewhere goes to that group's inbox, for it to share. Only what may
travel travels: a private group's posts reach only its approved members' nodes,
are never addressed to the public, and never go to an author's followers.

Support travels the same way: a member's ``Like`` of a post (and its ``Undo``,
naming the Like by id) goes to the group's inbox, and the group's node Announces
it to its members' nodes; only the Announce's addressing may be public.

Moderators' acts in a group hosted here travel as Lemmy's do, each the
moderator's own activity Announced by the group: a removal is a ``Delete`` (the
reason in ``summary``) and its restoring an ``Undo`` of one; a thread's lock is
a ``Lock`` of its first post and the unlocking an ``Undo`` of one; pins are
``Add``/``Remove`` to ``featured``; a ban is a ``Block`` with the group as
``target``. A post held for approval has no event until it is approved, so it
reaches no other node before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import flags
from federation.outbox.enqueue import enqueue
from federation.protocol import urls
from federation.protocol.activities import group_addressing, tombstone
from federation.protocol.objects import as_from_post
from federation.protocol.vocab import with_context
from federation.tables import RemoteActor
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
    Membership,
    MembershipState,
    Post,
    Reaction,
    Visibility,
)
from node.suspensions import suspended_among
from node.views import PostView

log = logging.getLogger("kinfolk.dispatch")

BATCH = 100


async def _inbox_of(session: AsyncSession, actor_id: int) -> str | None:
    """A remote actor's own inbox; None for an account that deleted itself (nothing more
    is sent to it, whatever was still to be said: an Accept, a Reject, an Undo)."""
    remote = await session.get(RemoteActor, actor_id)
    return None if remote is None or remote.deleted_at is not None else remote.inbox


async def _member_inboxes(session: AsyncSession, group_id: int) -> list[str]:
    """Inboxes of a group's approved members on other nodes, one per shared inbox."""
    rows = await session.execute(
        select(RemoteActor.shared_inbox, RemoteActor.inbox)
        .join(Membership, Membership.member_id == RemoteActor.actor_id)
        .where(Membership.group_id == group_id, Membership.state == MembershipState.APPROVED)
        .order_by(Membership.id)
    )
    return list(dict.fromkeys(shared or inbox for shared, inbox in rows))


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
    return with_context(
        {
            "id": urls.activity(site.base_url, new_public_id(now)),
            "type": kind,
            "actor": actor.uri,
            "object": obj,
            **extra,
        }
    )


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
    await enqueue(
        session,
        actor_id=follower.id,
        activity=activity,
        inboxes=[inbox],
        object_uri=follow.activity_uri,
        now=now,
    )


async def _accept_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    follow = await session.get(Follow, event.subject_id)
    if follow is None:
        return
    follower = await session.get_one(Actor, follow.follower_id)
    followee = await session.get_one(Actor, follow.followee_id)
    await _about_follow(
        session, site, now, "Accept", followee, follower, followee, follow.activity_uri
    )


async def _undo_follow_activity(
    session: AsyncSession, site: Site, event: Event, now: datetime
) -> None:
    follower = await session.get_one(Actor, event.actor_id)
    followee = await session.get(Actor, event.subject_id)
    if followee is not None:
        follow_uri = json.loads(event.data).get("follow_uri")
        await _about_follow(session, site, now, "Undo", follower, follower, followee, follow_uri)


async def _about_follow(
    session: AsyncSession,
    site: Site,
    now: datetime,
    kind: str,
    speaker: Actor,
    follower: Actor,
    followee: Actor,
    follow_uri: str | None,
) -> None:
    """``Accept``/``Reject`` (by the one followed) or ``Undo`` (by the follower) of a
    Follow, sent to the other side, naming the Follow by its id as Lemmy and Mastodon match it."""
    other = follower if speaker.id == followee.id else followee
    inbox = await _inbox_of(session, other.id)
    if inbox is None or not follow_uri:
        return
    request = {"id": follow_uri, "type": "Follow", "actor": follower.uri, "object": followee.uri}
    activity = _activity(site, now, kind, speaker, request, to=[other.uri])
    await enqueue(
        session,
        actor_id=speaker.id,
        activity=activity,
        inboxes=[inbox],
        object_uri=follow_uri,
        now=now,
    )


_POST_ACTIVITY = {
    EventKind.POST_CREATED: "Create",
    EventKind.POST_EDITED: "Update",
    EventKind.POST_DELETED: "Delete",
}


def _addressing(group: Group, group_actor: Actor) -> dict[str, Any]:
    """A public group's posts are public; a private group's are for its members only."""
    return group_addressing(group_actor.uri, public=group.visibility is Visibility.PUBLIC)


def _post_document(view: PostView, kind: str) -> dict[str, Any]:
    return tombstone(view.uri) if kind == "Delete" else as_from_post(view)


async def _post_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    post = await session.get(Post, event.subject_id)
    if post is None:
        return
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    author = await session.get_one(Actor, post.author_id)
    kind = _POST_ACTIVITY[EventKind(event.kind)]
    document = _post_document(await posts.view_for_federation(session, post), kind)
    address = _addressing(group, group_actor)
    if post.local:
        activity = _activity(site, now, kind, author, document, audience=group_actor.uri, **address)
    else:  # a remote member's post in our group: its own activity, as it reached us
        given = json.loads(event.data).get("activity")
        activity = with_context(
            {
                "id": given or f"{post.uri}#{kind.lower()}",
                "type": kind,
                "actor": author.uri,
                "object": document,
                "audience": group_actor.uri,
                **address,
            }
        )
    followers = []
    if post.pending_at is None:  # a group elsewhere has not shared it yet: for nobody else
        followers = await _followers_of(session, group, author, post)
    await _share_in_group(session, site, now, author, post, activity, also=followers)


async def _followers_of(
    session: AsyncSession, group: Group, author: Actor, post: Post
) -> list[str]:
    """Those who follow the author (on Mastodon, say) see their public posts too."""
    if not post.local or group.visibility is not Visibility.PUBLIC:
        return []
    return await _follower_inboxes(session, author.id)


async def _shared_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    """A group elsewhere shared our member's post: now its author's followers get it, as
    it is now (edits made while it waited included)."""
    post = await session.get(Post, event.subject_id)
    if post is None or post.deleted_at is not None or post.removed_at is not None:
        return
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    author = await session.get_one(Actor, post.author_id)
    document = _post_document(await posts.view_for_federation(session, post), "Create")
    activity = _activity(
        site,
        now,
        "Create",
        author,
        document,
        audience=group_actor.uri,
        **_addressing(group, group_actor),
    )
    followers = await _followers_of(session, group, author, post)
    if followers:
        await enqueue(
            session,
            actor_id=author.id,
            activity=activity,
            inboxes=followers,
            object_uri=post.uri,
            now=now,
        )


async def _declined_activity(
    session: AsyncSession, site: Site, event: Event, now: datetime
) -> None:
    """A group hosted here turned down a post from a member of another node before sharing
    it: the group's ``Reject`` of the post, to its author only (no reason: that stays with
    the group's moderators, as for members of this node)."""
    post = await session.get(Post, event.subject_id)
    if post is None:
        return
    group_actor = await session.get_one(
        Actor, (await session.get_one(Group, post.group_id)).actor_id
    )
    author = await session.get_one(Actor, post.author_id)
    inbox = await _inbox_of(session, author.id)
    if inbox is None:
        return
    reject = _activity(
        site, now, "Reject", group_actor, post.uri, to=[author.uri], audience=group_actor.uri
    )
    await enqueue(
        session,
        actor_id=group_actor.id,
        activity=reject,
        inboxes=[inbox],
        object_uri=post.uri,
        now=now,
    )


def _like(like_uri: str, actor: Actor, post: Post, group_actor: Actor) -> dict[str, Any]:
    """Support as it travels: Lemmy's and Mastodon's ``Like``, the post by its URI."""
    return with_context(
        {
            "id": like_uri,
            "type": "Like",
            "actor": actor.uri,
            "object": post.uri,
            "audience": group_actor.uri,
            "to": [group_actor.uri],
        }
    )


async def _announce(
    session: AsyncSession,
    site: Site,
    now: datetime,
    group: Group,
    group_actor: Actor,
    activity: dict[str, Any],
    inboxes: list[str],
    object_uri: str,
) -> None:
    """A group hosted here Announces ``activity`` to ``inboxes``, addressed as its posts are."""
    if not inboxes:
        return
    inner = {key: value for key, value in activity.items() if key != "@context"}
    announce = _activity(
        site,
        now,
        "Announce",
        group_actor,
        inner,
        audience=group_actor.uri,
        **_addressing(group, group_actor),
    )
    await enqueue(
        session,
        actor_id=group_actor.id,
        activity=announce,
        inboxes=inboxes,
        object_uri=object_uri,
        now=now,
    )


async def _share_in_group(
    session: AsyncSession,
    site: Site,
    now: datetime,
    actor: Actor,
    post: Post,
    activity: dict[str, Any],
    *,
    also: list[str] | None = None,
) -> None:
    """An activity about ``post`` travels through its group (FEP-1b12): a group hosted here
    Announces it (whoever did it) to its members' nodes; our member's activity in a group
    elsewhere goes to that group's inbox, for it to share. The actor's own activity also
    goes, once, to the inboxes ``also`` names that the group does not reach."""
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    reached: list[str] = []
    own: list[str] = []
    if group_actor.local:
        reached = await _member_inboxes(session, group.id)
        await _announce(session, site, now, group, group_actor, activity, reached, post.uri)
    elif actor.local:
        inbox = await _inbox_of(session, group_actor.id)
        own = [] if inbox is None else [inbox]
    own += [inbox for inbox in also or () if inbox not in reached and inbox not in own]
    if own:
        await enqueue(
            session, actor_id=actor.id, activity=activity, inboxes=own, object_uri=post.uri, now=now
        )


async def _reaction_activity(
    session: AsyncSession, site: Site, event: Event, now: datetime
) -> None:
    reaction = await session.get(Reaction, event.subject_id)
    if reaction is None:
        return  # taken back before it was sent: nothing to say
    post = await session.get_one(Post, reaction.post_id)
    actor = await session.get_one(Actor, reaction.actor_id)
    group_actor = await session.get_one(
        Actor, (await session.get_one(Group, post.group_id)).actor_id
    )
    if reaction.activity_uri is None:
        # Our member's Like gets its id now, kept so that taking the support back can name
        # it; a remote member's keeps the id it reached us with.
        reaction.activity_uri = urls.activity(site.base_url, new_public_id(now))
    like = _like(reaction.activity_uri, actor, post, group_actor)
    await _share_in_group(session, site, now, actor, post, like)


async def _unreaction_activity(
    session: AsyncSession, site: Site, event: Event, now: datetime
) -> None:
    post = await session.get(Post, event.subject_id)
    data = json.loads(event.data)
    like_uri = data.get("like_uri")
    if post is None or not like_uri:
        return  # the Like was never sent: there is nothing to take back
    actor = await session.get_one(Actor, event.actor_id)
    group_actor = await session.get_one(
        Actor, (await session.get_one(Group, post.group_id)).actor_id
    )
    like = _like(like_uri, actor, post, group_actor)
    del like["@context"]
    undo = with_context(
        {
            "id": data.get("activity") or urls.activity(site.base_url, new_public_id(now)),
            "type": "Undo",
            "actor": actor.uri,
            "object": like,
            "audience": group_actor.uri,
            "to": [group_actor.uri],
        }
    )
    await _share_in_group(session, site, now, actor, post, undo)


async def _pin_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    """A moderator's pin (``Add`` to the group's ``featured``) or unpin (``Remove``), which
    the group Announces as Lemmy's communities do."""
    post = await session.get(Post, event.subject_id)
    if post is None:
        return
    moderator = await session.get_one(Actor, event.actor_id)
    group_actor = await session.get_one(
        Actor, (await session.get_one(Group, post.group_id)).actor_id
    )
    kind = "Add" if EventKind(event.kind) is EventKind.POST_PINNED else "Remove"
    activity = _activity(
        site,
        now,
        kind,
        moderator,
        post.uri,
        target=urls.featured(group_actor.uri),
        audience=group_actor.uri,
        to=[group_actor.uri],
    )
    await _share_in_group(session, site, now, moderator, post, activity)


async def _removal_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    """A moderator's removal: their own ``Delete`` with the reason as ``summary``, which
    the group Announces (Lemmy's shape; Lemmy calls it a Remove)."""
    post = await session.get(Post, event.subject_id)
    if post is None:
        return
    moderator = await session.get_one(Actor, event.actor_id)
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    # Always a summary, if empty: Lemmy tells a moderator's removal from an author's
    # deletion by its presence.
    reason = json.loads(event.data).get("reason") or ""
    activity = _activity(
        site,
        now,
        "Delete",
        moderator,
        post.uri,
        audience=group_actor.uri,
        **_addressing(group, group_actor),
        summary=reason,
    )
    await _share_in_group(session, site, now, moderator, post, activity)


async def _moderated_post(
    session: AsyncSession, event: Event
) -> tuple[Post, Actor, Group, Actor] | None:
    """The post a moderator's act is about, the moderator, and the post's group (and actor)."""
    post = await session.get(Post, event.subject_id)
    if post is None:
        return None
    moderator = await session.get_one(Actor, event.actor_id)
    group = await session.get_one(Group, post.group_id)
    return post, moderator, group, await session.get_one(Actor, group.actor_id)


async def _restore_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    """A moderator's restoring of a removed post: their ``Undo`` of a removal's ``Delete``
    (the reason as the Delete's ``summary``), which the group Announces, as Lemmy's
    communities do. Nodes match it by the post, not by the first Delete's id."""
    found = await _moderated_post(session, event)
    if found is None:
        return
    post, moderator, group, group_actor = found
    reason = json.loads(event.data).get("reason") or ""  # always there: see _removal_activity
    address = _addressing(group, group_actor)
    delete = _activity(
        site,
        now,
        "Delete",
        moderator,
        post.uri,
        audience=group_actor.uri,
        **address,
        summary=reason,
    )
    del delete["@context"]
    undo = _activity(site, now, "Undo", moderator, delete, audience=group_actor.uri, **address)
    await _share_in_group(session, site, now, moderator, post, undo)


async def _lock_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    """A moderator's ``Lock`` of a thread (or its ``Undo``), by the thread's start, with the
    reason as ``summary``, which the group Announces: Lemmy's shape."""
    found = await _moderated_post(session, event)
    if found is None:
        return
    post, moderator, group, group_actor = found
    reason = json.loads(event.data).get("reason") or None
    extra = {} if reason is None else {"summary": reason}
    address = _addressing(group, group_actor)
    if EventKind(event.kind) is EventKind.POST_LOCKED:
        activity = _activity(
            site, now, "Lock", moderator, post.uri, audience=group_actor.uri, **address, **extra
        )
    else:
        lock = _activity(
            site, now, "Lock", moderator, post.uri, audience=group_actor.uri, **address
        )
        del lock["@context"]
        activity = _activity(
            site, now, "Undo", moderator, lock, audience=group_actor.uri, **address, **extra
        )
    await _share_in_group(session, site, now, moderator, post, activity)


def _block(
    site: Site,
    now: datetime,
    moderator: Actor,
    member: Actor,
    group_actor: Actor,
    data: dict[str, Any],
) -> dict[str, Any]:
    """A ban as Lemmy sends it: the moderator's ``Block`` of the member, ``target`` the group."""
    extra: dict[str, Any] = {}
    if data.get("reason"):
        extra["summary"] = data["reason"]
    if data.get("until"):
        extra["endTime"] = extra["expires"] = data["until"]  # Lemmy 0.19 reads expires
    return _activity(
        site,
        now,
        "Block",
        moderator,
        member.uri,
        target=group_actor.uri,
        audience=group_actor.uri,
        to=[member.uri],
        cc=[group_actor.uri],
        **extra,
    )


async def _announce_ban(
    session: AsyncSession,
    site: Site,
    now: datetime,
    group: Group,
    group_actor: Actor,
    member: Actor,
    activity: dict[str, Any],
) -> None:
    """The group Announces a ban (or its lifting) to its members' nodes and the member's."""
    inboxes = await _member_inboxes(session, group.id)
    own = None if member.local else await session.get(RemoteActor, member.id)
    if own is not None and own.deleted_at is not None:
        own = None  # the ban of an account that deleted itself is news to nobody there
    if own is not None and (own.shared_inbox or own.inbox) not in inboxes:
        inboxes.append(own.shared_inbox or own.inbox)
    await _announce(session, site, now, group, group_actor, activity, inboxes, activity["id"])


async def _ban_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    membership = await session.get(Membership, event.subject_id)
    if membership is None or membership.state is not MembershipState.BANNED:
        return  # lifted before it was sent
    group = await session.get_one(Group, membership.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    if not group_actor.local:
        return
    member = await session.get_one(Actor, membership.member_id)
    moderator = await session.get_one(Actor, event.actor_id)
    block = _block(site, now, moderator, member, group_actor, json.loads(event.data))
    await _announce_ban(session, site, now, group, group_actor, member, block)


async def _unban_activity(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    data = json.loads(event.data)
    member = await session.get(Actor, event.subject_id)
    group_actor = await session.get(Actor, data.get("group"))
    if member is None or group_actor is None or not group_actor.local:
        return
    group = await session.scalar(select(Group).where(Group.actor_id == group_actor.id))
    if group is None:
        return
    moderator = await session.get_one(Actor, event.actor_id)
    block = _block(site, now, moderator, member, group_actor, {})
    del block["@context"]
    undo = _activity(
        site,
        now,
        "Undo",
        moderator,
        block,
        audience=group_actor.uri,
        to=[member.uri],
        cc=[group_actor.uri],
    )
    if data.get("reason"):
        undo["summary"] = data["reason"]
    await _announce_ban(session, site, now, group, group_actor, member, undo)


async def _join_request(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    membership = await session.get(Membership, event.subject_id)
    if membership is None:
        return  # withdrawn before it was sent
    member = await session.get_one(Actor, membership.member_id)
    group = await session.get_one(Group, membership.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    inbox = await _inbox_of(session, group_actor.id)
    if inbox is None:
        return
    activity = _activity(site, now, "Follow", member, group_actor.uri, to=[group_actor.uri])
    membership.follow_uri = activity["id"]
    await enqueue(
        session,
        actor_id=member.id,
        activity=activity,
        inboxes=[inbox],
        object_uri=activity["id"],
        now=now,
    )


async def _join_withdrawn(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    member = await session.get_one(Actor, event.actor_id)
    group_actor = await session.get(Actor, event.subject_id)
    if group_actor is not None:
        follow_uri = json.loads(event.data).get("follow_uri")
        await _about_follow(session, site, now, "Undo", member, member, group_actor, follow_uri)


async def _join_accepted(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    membership = await session.get(Membership, event.subject_id)
    if membership is None:
        return
    member = await session.get_one(Actor, membership.member_id)
    group_actor = await session.get_one(Actor, event.actor_id)
    await _about_follow(
        session, site, now, "Accept", group_actor, member, group_actor, membership.follow_uri
    )


async def _join_rejected(session: AsyncSession, site: Site, event: Event, now: datetime) -> None:
    member = await session.get(Actor, event.subject_id)
    if member is None:
        return
    group_actor = await session.get_one(Actor, event.actor_id)
    follow_uri = json.loads(event.data).get("follow_uri")
    await _about_follow(session, site, now, "Reject", group_actor, member, group_actor, follow_uri)


_HANDLERS = {
    EventKind.FOLLOW_REQUESTED: _follow_activity,
    EventKind.FOLLOW_ACCEPTED: _accept_activity,
    EventKind.FOLLOW_WITHDRAWN: _undo_follow_activity,
    EventKind.POST_CREATED: _post_activity,
    EventKind.POST_EDITED: _post_activity,
    EventKind.POST_DELETED: _post_activity,
    EventKind.POST_SHARED: _shared_activity,
    EventKind.POST_DECLINED: _declined_activity,
    EventKind.REACTED: _reaction_activity,
    EventKind.UNREACTED: _unreaction_activity,
    EventKind.POST_PINNED: _pin_activity,
    EventKind.POST_UNPINNED: _pin_activity,
    EventKind.POST_REMOVED: _removal_activity,
    EventKind.POST_RESTORED: _restore_activity,
    EventKind.POST_LOCKED: _lock_activity,
    EventKind.POST_UNLOCKED: _lock_activity,
    EventKind.MEMBER_BANNED: _ban_activity,
    EventKind.MEMBER_UNBANNED: _unban_activity,
    EventKind.JOIN_REQUESTED: _join_request,
    EventKind.JOIN_WITHDRAWN: _join_withdrawn,
    EventKind.JOIN_ACCEPTED: _join_accepted,
    EventKind.JOIN_REJECTED: _join_rejected,
    EventKind.REPORT_FILED: flags.send_flag,
}


async def _claim(session: AsyncSession) -> Sequence[Event]:
    statement = select(Event).where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return (await session.scalars(statement)).all()


async def dispatch_once(session: AsyncSession, site: Site, *, now: datetime) -> int:
    """Dispatch one batch of events in the caller's transaction; return how many."""
    events = await _claim(session)
    # Nothing goes out for a suspended account, not even what it did just before.
    suspended = await suspended_among(session, {event.actor_id for event in events})
    for event in events:
        handler = _HANDLERS.get(EventKind(event.kind))
        if handler is not None and event.actor_id not in suspended:
            await handler(session, site, event, now)
        event.dispatched_at = now
    return len(events)
