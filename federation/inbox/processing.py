"""Processing accepted activities: from the inbox queue to domain service calls.

Each queued item is handled in its own transaction. The activity is read with
the tolerant readers of ``federation.protocol.vocab``; dicts never reach ``node``. An
activity we understand but do not act on (yet) is marked done with a log line
saying why; one whose handling fails for a passing reason (a remote fetch) is
retried a few times, then kept as failed with its error for admins.

Two phases per item, so no database lock is ever held across the network: first
``prefetch`` fetches and stores (each in its own short transaction) the actors
and groups the activity refers to that we do not know yet; then the handler runs
in one transaction that only reads and writes the database.

Origin rules: an activity may only speak for its own actor. A Create's object
must be attributed to the activity's actor; Delete and Update may only touch
objects that actor owns; Accept and Reject must come from the followed actor.
An account's ``Delete`` of itself is believed as ``federation.inbox.account_deletion``
says, and is the only Delete of an account followed; nothing but Deletes is
taken from an account after it (the inbox refuses them already; these reach
us through a group, or through another process that still held its key).

Groups (FEP-1b12): a Follow of one of our groups is a request to join it; an
``Announce`` from a group we know shares an activity of one of its members
(or, as Guppe and Fedify-style groups do, the member's post itself, read as its
Create); one of our member's posts shared back is the group's word that it
accepted it (``federation.inbox.group_answers``), and a group's ``Reject`` of one that
it turned it down; anything else of ours shared back is ignored, as we hold the
original.
What a group announces is believed only as far as it can be checked: an object
as its own origin served it (embedded by a group on that origin, or fetched by
its id), anything else as fetched again from its origin (a Delete only once its
origin no longer serves it), so a group cannot put words in the mouth of a
member of another node in public. A private
group's posts cannot be fetched again by third nodes (their origin serves them
to the group's node only); for those the group's word is taken, as the one
place that checked the author's signature. A moderator's removal (a Delete
by someone other than the post's author, Lemmy's shape) and its ``Undo`` (a
restoring), a thread's ``Lock`` and its ``Undo``, and a ban (``Block`` with
the group as ``target``, and its ``Undo``) are taken on the word of the group
that announces them, for its own posts and members only: the group's node is
where the group is moderated. Content of a group elsewhere that
reaches us addressed to its members only marks that group private here. A group's
``Accept`` of our member's join asks for its recent threads and pins to be
back-filled, and its ``Update`` of itself (or Lemmy's moderator ``Update``
announced by it) for it to be read again: both are queued here, in the item's
transaction, and done by ``federation.remote.backfill`` in the background.

Reactions (a ``Like`` of a post, its ``Undo``) that a group announces are taken
on the group's word, for posts made in that group only: a Like changes no
content, only a count its author sees, and its id often cannot be fetched again
(Mastodon's are fragments of the actor's URI). Its id must still be on its
actor's server, and a group cannot speak for a member of this node. ``Dislike``
is refused by name: there are no downvotes in peer support.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.flags import on_flag
from federation.inbox import account_deletion
from federation.inbox.account_deletion import gone_at_origin, is_account_delete
from federation.inbox.group_answers import our_post_named
from federation.protocol.readings import (
    POST_TYPES,
    PostReading,
    Unsupported,
    read_date,
    read_object,
)
from federation.protocol.vocab import (
    PUBLIC_ALIASES,
    Malformed,
    as_list,
    id_of,
    require_uri,
    same_origin,
    type_of,
)
from federation.remote import group_sync
from federation.remote.actors import ActorDocument, account_deleted
from federation.remote.groups import group_updated, remember_group
from federation.remote.http import FetchError
from federation.tables import InboxItem, QueueState
from node import follows, locks, moderation, pending_posts, pins, reactions, remote_members
from node.actors import find_actor_by_uri
from node.errors import DomainError, PermissionDenied
from node.groups import remote_groups
from node.posts import remote_posts, removal
from node.storage.models.actors import Actor, ActorKind, Follow
from node.storage.models.groups import Group, Membership, MembershipState, Visibility
from node.storage.models.posts import Post, Reaction

log = logging.getLogger("kinfolk.processing")

LEASE = timedelta(minutes=2)
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30))
BATCH = 50
_ANCESTORS = 8  # posts above a reply fetched at most to place it in its thread
NO_DOWNVOTES = "Dislike: this node has no downvotes, by design"


class Ignored(Exception):
    """Understood, but nothing to do: the reason is logged and the item is done."""


async def _actor(session: AsyncSession, uri: str) -> Actor:
    actor = await find_actor_by_uri(session, uri)
    if actor is None:
        raise Ignored(f"{uri} could not be looked up")
    return actor


async def _known(fed: Federation, uri: str) -> bool:
    async with fed.sessions() as session:
        return await find_actor_by_uri(session, uri) is not None


@dataclass(frozen=True)
class Prepared:
    """The activity to handle, after prefetch; ``via`` names the group that announced it,
    and ``ours`` our member's post it shares back to us (``federation.inbox.group_answers``).
    ``vouched`` is False for an account's unsigned Delete of itself that nothing confirmed
    (we knew no such account when it was checked): it is dropped quietly."""

    activity: dict[str, Any]
    via: str | None = None
    ours: str | None = None
    vouched: bool = True


async def _ensure_actor(fed: Federation, uri: str) -> None:
    if not await _known(fed, uri):
        await fed.resolve_actor(uri)


async def _ensure_group(fed: Federation, note: dict[str, Any]) -> None:
    audience = id_of(note.get("audience"))
    if audience is None or await _known(fed, audience):
        return
    document = await fed.fetch(audience)
    if document.get("type") == "Group":
        await remember_group(fed, document)


async def prefetch(fed: Federation, activity: dict[str, Any], *, signed: bool) -> Prepared:
    """Fetch and store what the activity refers to and we lack (outside any transaction);
    ``signed``: the inbox verified the actor's signature."""
    if activity.get("type") == "Announce":
        return await _prefetch_announced(fed, activity)
    if is_account_delete(activity) and not signed:
        return Prepared(activity, vouched=await _vouched_for(fed, activity["actor"]))
    if activity.get("type") == "Delete":
        return Prepared(activity)  # only acts on what we hold; the sender is often gone
    if activity.get("type") == "Dislike":
        return Prepared(activity)  # refused by name; nothing to fetch for that
    await _ensure_actor(fed, activity["actor"])
    note = activity.get("object")
    if activity.get("type") in {"Create", "Update"} and isinstance(note, dict):
        await _ensure_group(fed, note)
        await _ensure_parent(fed, note)
    return Prepared(activity)


async def _vouched_for(fed: Federation, uri: str) -> bool:
    """An account's Delete of itself that the inbox could not verify is believed once its
    origin says the account is gone; one we never knew is not even asked about."""
    async with fed.sessions() as session:
        actor = await find_actor_by_uri(session, uri)
        if actor is None:
            return False
        if await account_deleted(session, uri):
            return True  # a repeat, of what its origin confirmed already
    if not await gone_at_origin(fed, uri):
        raise Ignored(f"{uri} still exists at its origin; its unsigned Delete is not believed")
    return True


async def _post_known(fed: Federation, uri: str) -> bool:
    async with fed.sessions() as session:
        return await session.scalar(select(Post.id).where(Post.uri == uri)) is not None


async def _ensure_parent(fed: Federation, note: dict[str, Any], depth: int = 0) -> None:
    """A reply can arrive before the post it answers (deliveries of different posts race,
    and one may be retried while the next goes through): fetch the missing ancestors
    from their origin and store them first, oldest first, each in its own transaction,
    so the reply joins its thread instead of standing alone. At most ``_ANCESTORS``
    deep; an ancestor that cannot be had leaves the reply where it would have been."""
    parent_uri = id_of(note.get("inReplyTo"))
    if parent_uri is None or same_origin(parent_uri, fed.site.base_url):
        return  # nothing to answer, or one of ours: we hold it (or it is gone)
    if depth >= _ANCESTORS or await _post_known(fed, parent_uri):
        return
    try:
        document = await fed.fetch(parent_uri)
        if document.get("type") not in POST_TYPES:
            return
        await _ensure_parent(fed, document, depth + 1)
        create = _as_create(document)
        await _ensure_actor(fed, create["actor"])
        await _ensure_group(fed, document)
        async with fed.sessions.begin() as session:
            await process(fed, session, Prepared(create))
    except (FetchError, Ignored, Malformed, DomainError) as exc:
        reason = exc.reason if isinstance(exc, FetchError) else exc
        log.info("could not store %s, which %s answers: %s", parent_uri, note.get("id"), reason)


async def _prefetch_announced(fed: Federation, announce: dict[str, Any]) -> Prepared:
    group_uri = announce["actor"]
    async with fed.sessions() as session:
        group = await find_actor_by_uri(session, group_uri)
    if group is None or group.kind is not ActorKind.GROUP or group.local:
        raise Ignored("only groups we know, on other nodes, announce to us")
    inner = announce.get("object")
    async with fed.sessions() as session:
        ours = await our_post_named(session, fed.site.base_url, inner)
    if ours is not None:  # our member's post, shared by its group: nothing to fetch
        return Prepared(announce, via=group_uri, ours=ours)
    source = group_uri  # who vouches for what is embedded (see the module note)
    if isinstance(inner, str):
        _not_ours(fed, inner)
        inner, source = await fed.fetch(inner), inner
    if isinstance(inner, dict) and inner.get("type") in POST_TYPES:
        inner = _as_create(inner)
    if isinstance(inner, dict) and _is_ban(inner):
        _banned_from(inner, group_uri)
    elif isinstance(inner, dict) and _is_thread_moderation(inner):
        pass  # the group's word, for posts made in it: checked in on_lock and on_undo
    elif isinstance(inner, dict) and inner.get("type") in {"Like", "Dislike", "Undo"}:
        inner = _announced_reaction(inner)
    elif isinstance(inner, dict) and inner.get("type") in {"Add", "Remove"}:
        _pinned_in(inner, group_uri)
    elif isinstance(inner, dict) and _is_removal(inner):
        pass  # the group's word, for posts made in it: checked in on_delete
    elif isinstance(inner, dict) and is_account_delete(inner):
        # Mbin's magazines pass on their users' deletions: the account's own server may
        # say so; any other group's word is checked at the account's origin.
        actor = inner["actor"]
        _not_ours(fed, actor)
        if not same_origin(actor, source) and not await gone_at_origin(fed, actor):
            raise Ignored(f"{actor} still exists at its origin; the Delete is not believed")
        return Prepared(inner, via=group_uri)
    elif isinstance(inner, dict) and _updates_group(inner, group_uri):
        # Lemmy: a moderator's Update of the community, announced by it. Not taken from the
        # moderator's copy: the group is read again from its own server
        # (federation.remote.backfill).
        return Prepared(
            {"id": inner.get("id"), "type": "Update", "actor": group_uri, "object": group_uri},
            via=group_uri,
        )
    else:
        if not isinstance(inner, dict) or inner.get("type") not in {"Create", "Update", "Delete"}:
            kind = inner.get("type") if isinstance(inner, dict) else "an unreadable object"
            raise Ignored(f"announced {kind} is not handled yet")
        _not_ours(fed, id_of(inner.get("object")))
        inner = await _checked_at_origin(fed, source, inner)
    await _ensure_actor(fed, inner["actor"])
    if inner.get("type") in {"Create", "Update"} and isinstance(inner.get("object"), dict):
        await _ensure_parent(fed, inner["object"])
    return Prepared(inner, via=group_uri)


def _updates_group(inner: dict[str, Any], group_uri: str) -> bool:
    return inner.get("type") == "Update" and id_of(inner.get("object")) == group_uri


def _is_removal(inner: dict[str, Any]) -> bool:
    """A Delete by someone other than the object's author (whose server would be the
    object's): a moderator's removal, as Lemmy sends it."""
    if inner.get("type") != "Delete":
        return False
    actor = require_uri(inner.get("actor"), "announced actor")
    return not same_origin(actor, require_uri(inner.get("object"), "announced object"))


def _is_thread_moderation(inner: dict[str, Any]) -> bool:
    """A moderator's ``Lock`` of a thread, or ``Undo`` of a lock or of a removal (Lemmy's
    shapes); an actor undoes only its own act."""
    undone = inner.get("object")
    if inner.get("type") == "Lock":
        return True
    if inner.get("type") != "Undo" or not isinstance(undone, dict):
        return False
    if undone.get("type") != "Lock" and not _is_removal(undone):
        return False
    if id_of(undone.get("actor")) != inner.get("actor"):
        raise Malformed("an actor can only undo its own lock or removal")
    return True


def _is_ban(inner: dict[str, Any]) -> bool:
    undone = inner.get("object")
    return inner.get("type") == "Block" or (
        inner.get("type") == "Undo" and isinstance(undone, dict) and undone.get("type") == "Block"
    )


def _banned_from(inner: dict[str, Any], group_uri: str) -> None:
    """A group announces only bans from itself (Lemmy's ``target``; a ban from the whole
    instance has none, and is not followed)."""
    block = inner["object"] if inner["type"] == "Undo" else inner
    if id_of(block.get("target")) != group_uri:
        raise Ignored("a group announces bans from itself only")
    if inner["type"] == "Undo" and id_of(block.get("actor")) != inner.get("actor"):
        raise Malformed("an actor can only undo its own ban")


def _not_ours(fed: Federation, uri: str | None) -> None:
    if uri is not None and same_origin(uri, fed.site.base_url):
        raise Ignored("a group shares something of this node's; we hold the original")


def _as_create(post: dict[str, Any]) -> dict[str, Any]:
    """A post announced bare (Guppe, Fedify-style groups), read as its author's Create."""
    try:
        reading = read_object(post)
    except Unsupported as exc:
        raise Ignored(str(exc)) from None
    assert isinstance(reading, PostReading)  # a Note, Page or Article reads as a post
    return {
        "id": f"{reading.uri}#create",
        "type": "Create",
        "actor": reading.author_uri,
        "object": post,
    }


async def _checked_at_origin(fed: Federation, source: str, inner: dict[str, Any]) -> dict[str, Any]:
    """The announced activity as its origin vouches for it (see the module note); ``source``
    served it: the group that embedded it, or the URI it was fetched from."""
    actor = require_uri(inner.get("actor"), "announced actor")
    target = require_uri(inner.get("object"), "announced object")
    if not same_origin(actor, target):
        raise Malformed("the announced object is not on its actor's server")
    embedded = inner["object"] if isinstance(inner["object"], dict) else None
    if same_origin(target, source) and (embedded or inner["type"] == "Delete"):
        return inner
    if embedded is not None and not _public(inner, embedded):
        # A private group's post is served by its origin to the group's node only, so no
        # other node can fetch it again: here the group vouches for what it checked.
        return inner
    if inner["type"] == "Delete":
        if await gone_at_origin(fed, target):
            return inner
        raise Ignored(f"{target} still exists at its origin; the Delete is not believed")
    document = await fed.fetch(target)
    if id_of(document.get("attributedTo")) != actor:
        raise Malformed("the announced object is not attributed to the announced actor")
    return {**inner, "object": document}


def _announced_reaction(inner: dict[str, Any]) -> dict[str, Any]:
    """A reaction (or its Undo) a group announces, as far as it is believed (module note)."""
    kind = inner["type"]
    if kind == "Undo":
        undone = inner.get("object")
        # Named by its id alone, it can only be a Like we hold (or nothing we know).
        kind = undone.get("type") if isinstance(undone, dict) else "Like" if undone else None
    if kind == "Dislike":
        raise Ignored(NO_DOWNVOTES)
    if kind != "Like":
        raise Ignored(f"announced Undo of {kind or 'an unreadable object'} is not handled yet")
    actor = require_uri(inner.get("actor"), "announced actor")
    if not same_origin(require_uri(inner.get("id"), "announced id"), actor):
        raise Malformed("the announced activity is not from its actor's server")
    return inner


def _public(*documents: dict[str, Any]) -> bool:
    addresses = [a for d in documents for key in ("to", "cc") for a in as_list(d.get(key))]
    return any(id_of(address) in PUBLIC_ALIASES for address in addresses)


async def _group_row(session: AsyncSession, actor: Actor) -> Group | None:
    return await session.scalar(select(Group).where(Group.actor_id == actor.id))


async def _local(session: AsyncSession, uri: str | None) -> Actor:
    actor = await find_actor_by_uri(session, uri) if uri else None
    if actor is None or not actor.local:
        raise Ignored(f"{uri} is not an actor on this node")
    return actor


async def on_follow(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    target = await _local(session, id_of(activity.get("object")))
    follower = await _actor(session, activity["actor"])
    if target.kind is ActorKind.GROUP:
        group = await _group_row(session, target)
        if group is None:
            raise Ignored(f"{target.uri} is not a group here")
        state = await remote_members.request_to_join(
            session, target, group, follower, follow_uri=activity["id"], now=fed.clock()
        )
        log.info("%s asked to join %s: %s", follower.uri, target.uri, state.value)
        return
    if target.kind is not ActorKind.PERSON:
        raise Ignored(f"{target.uri} cannot be followed")
    await follows.request_follow(
        session, follower, target, activity_uri=activity["id"], now=fed.clock()
    )


async def _follow_in(session: AsyncSession, obj: Any, followee: Actor) -> Follow | None:
    follow_uri = id_of(obj)
    follower_uri = id_of(obj.get("actor")) if isinstance(obj, dict) else None
    conditions = [Follow.activity_uri == follow_uri] if follow_uri else []
    if follower_uri:
        follower = await find_actor_by_uri(session, follower_uri)
        if follower is not None:
            conditions.append(Follow.follower_id == follower.id)
    if not conditions:
        return None
    return await session.scalar(
        select(Follow).where(Follow.followee_id == followee.id, or_(*conditions))
    )


async def _join_answered(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], group_actor: Actor
) -> None:
    """A group elsewhere answered one of our members' requests to join it."""
    obj = activity.get("object")
    member_uri = id_of(obj.get("actor")) if isinstance(obj, dict) else None
    group = await _group_row(session, group_actor)
    member = await find_actor_by_uri(session, member_uri) if member_uri else None
    if member is None and isinstance(obj, str):  # Lemmy-style: the Follow by id only
        membership = await session.scalar(select(Membership).where(Membership.follow_uri == obj))
        member = None if membership is None else await session.get(Actor, membership.member_id)
    if group is None or member is None or not member.local:
        raise Ignored("it answers no request of ours to join")
    accepted = activity["type"] == "Accept"
    before = await remote_members.membership_of(session, group, member)
    newly = before is not None and before.state is MembershipState.PENDING
    if not await remote_members.answered(
        session, group, member, accepted=accepted, now=fed.clock()
    ):
        raise Ignored("it answers no request of ours to join")
    if accepted and newly:
        # Its recent threads and pins, read in the background (federation.remote.backfill); asked
        # for here, so the request is as durable as the membership.
        await group_sync.request(session, group_actor.id, now=fed.clock(), backfill=True)


async def _shared_back(fed: Federation, session: AsyncSession, group_uri: str, uri: str) -> None:
    """A group elsewhere shared our member's post: everyone's to read now."""
    group = await _group_row(session, await _actor(session, group_uri))
    if group is None or not await pending_posts.shared_elsewhere(
        session, group, uri, now=fed.clock()
    ):
        raise Ignored("a group shares something of this node's; we hold the original")
    log.info("%s shared %s", group_uri, uri)


async def _declined(fed: Federation, session: AsyncSession, group_actor: Actor, uri: str) -> None:
    """A group elsewhere turned our member's post down before sharing it."""
    group = await _group_row(session, group_actor)
    if group is None or not await pending_posts.declined_elsewhere(
        session, group, uri, now=fed.clock()
    ):
        raise Ignored("it turns down no post of ours waiting in that group")
    log.info("%s turned down %s", group_actor.uri, uri)


async def on_accept_or_reject(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    followee = await _actor(session, activity["actor"])
    if followee.kind is ActorKind.GROUP:
        post_uri = await our_post_named(session, fed.site.base_url, activity.get("object"))
        if post_uri is not None and activity["type"] == "Reject":
            await _declined(fed, session, followee, post_uri)
            return
        await _join_answered(fed, session, activity, followee)
        return
    follow = await _follow_in(session, activity.get("object"), followee)
    if follow is None:
        raise Ignored("it answers no follow request of ours")
    follower = await session.get_one(Actor, follow.follower_id)
    if activity["type"] == "Accept":
        await follows.accept_follow(session, follower, followee)
    else:
        await follows.remove_follow(session, follower, followee, now=fed.clock())


async def on_undo(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else None
    if kind == "Block":
        await _undo_block(fed, session, activity, via)
        return
    if kind == "Lock":
        await _set_lock(fed, session, activity["object"], via, locked=False)
        return
    if kind == "Delete":
        await _undo_removal(fed, session, activity, via)
        return
    if kind in {"Like", "Dislike"} or isinstance(obj, str):
        await _undo_reaction(fed, session, activity, via)
        return
    if kind != "Follow":
        raise Ignored(f"undoing {kind or 'a referenced activity'} is not handled yet")
    assert isinstance(obj, dict)
    if id_of(obj.get("actor")) != activity["actor"]:
        raise Malformed("an actor can only undo its own follow")
    follower = await find_actor_by_uri(session, activity["actor"])
    followee = await _local(session, id_of(obj.get("object")))
    if follower is None:
        return
    if followee.kind is ActorKind.GROUP:
        group = await _group_row(session, followee)
        if group is not None and await remote_members.withdraw(session, group, follower):
            log.info("%s left %s", follower.uri, followee.uri)
        return
    await follows.remove_follow(session, follower, followee, now=fed.clock())


async def _reacted_post(session: AsyncSession, uri: str | None, via: str | None) -> Post:
    """The post a reaction is for: one we hold, in the group that announced it (if one
    did); reactions in a private group elsewhere reach us only through that group."""
    post = await session.scalar(select(Post).where(Post.uri == uri)) if uri else None
    if post is None:
        raise Ignored("we hold no post by that id")
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    if via is not None and group_actor.uri != via:
        raise Malformed("a group can only announce reactions to posts made in it")
    if via is None and not group_actor.local and group.visibility is Visibility.PRIVATE:
        raise Ignored("reactions in a private group elsewhere come only through the group")
    return post


async def _reactor(session: AsyncSession, uri: str) -> Actor:
    actor = await _actor(session, uri)
    if actor.local:
        raise Ignored("the support of a member of this node is counted here already")
    return actor


async def on_like(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """Support for a post (Mastodon and Lemmy name the post by its URI)."""
    actor = await _reactor(session, activity["actor"])
    post = await _reacted_post(session, id_of(activity.get("object")), via)
    if not await reactions.store_remote_reaction(
        session, post, actor, activity_uri=activity["id"], now=fed.clock()
    ):
        raise Ignored("the post was deleted")


async def on_dislike(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    raise Ignored(NO_DOWNVOTES)


async def _undo_reaction(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """Support taken back: the Like embedded (Mastodon, Lemmy) or named by its id."""
    like = activity["object"]
    if isinstance(like, dict):
        if like.get("type") == "Dislike":
            raise Ignored(NO_DOWNVOTES)
        if id_of(like.get("actor")) != activity["actor"]:
            raise Malformed("an actor can only take back its own support")
        post_uri = id_of(like.get("object"))
    else:
        post_uri = await session.scalar(
            select(Post.uri)
            .join(Reaction, Reaction.post_id == Post.id)
            .where(Reaction.activity_uri == like)
        )
        if post_uri is None:
            raise Ignored("undoing a referenced activity is not handled yet")
    actor = await _reactor(session, activity["actor"])
    post = await _reacted_post(session, post_uri, via)
    if not await reactions.remove_remote_reaction(
        session, post, actor, like_uri=id_of(like), activity_uri=activity["id"], now=fed.clock()
    ):
        raise Ignored("it takes back no support we hold")


async def _group_of(session: AsyncSession, post: PostReading, via: str | None) -> Group:
    candidates = [post.audience_uri, *post.to, *post.cc]
    for uri in [u for u in candidates if u]:
        known = await find_actor_by_uri(session, uri)
        if known is not None and known.kind is ActorKind.GROUP:
            if via is not None and known.uri != via:
                raise Malformed("a group can only announce posts made in it")
            group = await _group_row(session, known)
            if group is not None:
                return group
    raise Ignored("the post is not addressed to a group we know")


async def on_create_or_update(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    note = activity.get("object")
    if via is not None and note == via:  # the group announced a change of itself
        group_actor = await _actor(session, via)
        await group_sync.request(session, group_actor.id, now=fed.clock(), refresh=True)
        return
    if not isinstance(note, dict):
        raise Ignored("the object is not embedded (fetching it comes with group federation)")
    try:
        reading = read_object(note)
    except Unsupported as exc:
        raise Ignored(str(exc)) from None
    if isinstance(reading, ActorDocument):
        if activity["type"] != "Update" or reading.uri != activity["actor"]:
            raise Malformed("an actor can only update itself")
        known = await find_actor_by_uri(session, reading.uri)
        if reading.kind is ActorKind.GROUP and known is not None and not known.local:
            await group_updated(fed, session, note, reading)  # its rules, settings, moderators
            return
        await fed.store(session, reading)
        return
    if reading.author_uri != activity["actor"] or not same_origin(reading.uri, activity["actor"]):
        raise Malformed("the object is not attributed to the activity's actor")
    author = await _actor(session, activity["actor"])
    group = await _group_of(session, reading, via)
    if not reading.public and not (await session.get_one(Actor, group.actor_id)).local:
        if via is None:  # its author's followers-only post, say: not for a group's readers
            raise Ignored("a post for a few, in a group elsewhere, comes only through the group")
        await remote_groups.mark_private(session, group)
    now = fed.clock()
    await remote_posts.store_remote_post(
        session,
        uri=reading.uri,
        author=author,
        group=group,
        in_reply_to_uri=reading.in_reply_to_uri,
        title=reading.title,
        content_html=reading.content_html,
        content_warning=reading.content_warning,
        language=reading.language or group.language,
        published_at=reading.published or now,
        edited_at=reading.updated,
        activity_uri=activity["id"],
        now=now,
    )


async def on_delete(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    target = id_of(activity.get("object"))
    actor = await find_actor_by_uri(session, activity["actor"])
    if actor is None:
        raise Ignored("we hold nothing of this actor")
    if via is not None and _is_removal(activity):
        # A moderator's removal, announced by the group: its node moderates the group.
        group_actor = await _actor(session, via)
        group = await _group_row(session, group_actor)
        if (
            group is None
            or target is None
            or not await removal.removed_elsewhere(session, group, target, now=fed.clock())
        ):
            raise Ignored("we hold no post by that id in that group")
        log.info("%s removed %s from %s", actor.uri, target, via)
        return
    if target not in {None, activity["actor"]} and await find_actor_by_uri(session, target):
        raise Ignored(f"{activity['actor']} cannot delete another account, {target}")
    if target is None or not await remote_posts.delete_remote_post(
        session, uri=target, author=actor, now=fed.clock()
    ):
        raise Ignored("no post of this actor by that id")


async def _ban_parts(
    session: AsyncSession, block: dict[str, Any], via: str | None, actor_uri: str
) -> tuple[Group, Actor]:
    """The group a ban is from (said by the group, or announced by it) and our member."""
    group_actor = await find_actor_by_uri(session, via or actor_uri)
    if group_actor is None or group_actor.kind is not ActorKind.GROUP or group_actor.local:
        raise Ignored("bans reach us from the group they are made in")
    if id_of(block.get("target")) != group_actor.uri:
        raise Ignored("only bans from a group are followed (not a person's blocks)")
    group = await _group_row(session, group_actor)
    if group is None:
        raise Ignored(f"{group_actor.uri} is not a group here")
    return group, await _local(session, id_of(block.get("object")))


async def on_block(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """A group elsewhere banned one of our members (Lemmy's ``Block`` with ``target``)."""
    group, member = await _ban_parts(session, activity, via, activity["actor"])
    # When a ban ends (Lemmy: ``expires``, formerly ``endTime``); unreadable: never.
    until = read_date(activity.get("expires")) or read_date(activity.get("endTime"))
    await moderation.banned_elsewhere(session, group, member, until=until, now=fed.clock())
    log.info("%s is banned from %s", member.uri, via or activity["actor"])


async def _undo_block(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    group, member = await _ban_parts(session, activity["object"], via, activity["actor"])
    if not await moderation.unbanned_elsewhere(session, group, member):
        raise Ignored("it lifts no ban we know of")


def _pinned_in(activity: dict[str, Any], group_uri: str) -> str:
    """The thread a group pins (``Add``) or unpins (``Remove``): only changes to the group's
    own ``featured`` collection (Lemmy, Kinfolk; Mbin calls it ``pinned``) are followed."""
    target = id_of(activity.get("target"))
    if target is None or not same_origin(target, group_uri):
        raise Malformed("a group can only change its own collections")
    if target.rstrip("/").rsplit("/", 1)[-1] not in {"featured", "pinned"}:
        raise Ignored(f"changes to {target} are not followed (only pinned threads are)")
    return require_uri(activity.get("object"), "pinned thread")


async def on_add_or_remove(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """A group elsewhere pinned or unpinned a thread: said by the group itself, or by one of
    its moderators and announced by the group (Lemmy's shape)."""
    group_actor = await find_actor_by_uri(session, via or activity["actor"])
    if group_actor is None or group_actor.kind is not ActorKind.GROUP or group_actor.local:
        raise Ignored("pins reach us from the group they are made in")
    post_uri = _pinned_in(activity, group_actor.uri)
    group = await _group_row(session, group_actor)
    pinned = activity["type"] == "Add"
    if group is None or not await pins.pinned_elsewhere(
        session, group, post_uri, pinned=pinned, now=fed.clock()
    ):
        raise Ignored("we hold no thread by that id in that group")


async def _moderating_group(
    session: AsyncSession, activity: dict[str, Any], via: str | None
) -> Group:
    """The group elsewhere whose moderators' act this is: the group announcing it, or the
    group itself saying it. Its node moderates it, so it is taken on the group's word."""
    group_actor = await find_actor_by_uri(session, via or activity["actor"])
    if group_actor is None or group_actor.kind is not ActorKind.GROUP or group_actor.local:
        raise Ignored("moderators' acts reach us from the group they are made in")
    group = await _group_row(session, group_actor)
    if group is None:
        raise Ignored(f"{group_actor.uri} is not a group here")
    return group


async def _set_lock(
    fed: Federation,
    session: AsyncSession,
    lock: dict[str, Any],
    via: str | None,
    *,
    locked: bool,
) -> None:
    group = await _moderating_group(session, lock, via)
    thread = require_uri(lock.get("object"), "locked thread")
    if not await locks.locked_elsewhere(session, group, thread, locked=locked, now=fed.clock()):
        # Lemmy also locks single comments; threads are what lock here.
        raise Ignored("we hold no thread by that id in that group")


async def on_lock(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """A group elsewhere locked a thread (Lemmy's ``Lock`` by a moderator, announced by the
    group): this node refuses its members' replies to it from now on."""
    await _set_lock(fed, session, activity, via, locked=True)


async def _undo_removal(
    fed: Federation, session: AsyncSession, activity: dict[str, Any], via: str | None
) -> None:
    """A group elsewhere restored a post its moderator had removed (Lemmy's ``Undo`` of the
    moderator's ``Delete``). An author's own deletion cannot be undone: its text is wiped."""
    delete = activity["object"]
    if via is None or not _is_removal(delete):
        raise Ignored("a deleted post does not come back (its text was wiped)")
    group = await _moderating_group(session, activity, via)
    target = require_uri(delete.get("object"), "restored post")
    if not await removal.restored_elsewhere(session, group, target):
        raise Ignored("we hold no post by that id in that group")
    log.info("%s restored %s in %s", activity["actor"], target, via)


HANDLERS = {
    "Follow": on_follow,
    "Accept": on_accept_or_reject,
    "Reject": on_accept_or_reject,
    "Undo": on_undo,
    "Create": on_create_or_update,
    "Update": on_create_or_update,
    "Delete": on_delete,
    "Like": on_like,
    "Dislike": on_dislike,
    "Add": on_add_or_remove,
    "Block": on_block,
    "Remove": on_add_or_remove,
    "Flag": on_flag,
    "Lock": on_lock,
}


async def on_account_delete(fed: Federation, session: AsyncSession, prepared: Prepared) -> None:
    """An account elsewhere deleted itself (``federation.inbox.account_deletion``): marked
    deleted and let go of here; its posts are wiped after this transaction."""
    activity = prepared.activity
    actor = await find_actor_by_uri(session, activity["actor"])
    if actor is None or not prepared.vouched:
        # Mastodon tells every server it knows of every deletion: most are of strangers.
        log.debug("dropped %s: no account we know", activity.get("id"))
        return
    if actor.local:
        raise Ignored("an account of this node is deleted here, not from elsewhere")
    if actor.kind is ActorKind.GROUP:
        raise Ignored("a group's deletion of itself is not followed yet")
    gone = await account_deletion.forget(fed, session, actor)
    let_go = gone.let_go
    log.info(
        "%s deleted its account: let go of %d memberships, %d join requests, %d follows, "
        "%d supports and %d deliveries to its inbox",
        actor.uri,
        let_go.memberships,
        let_go.join_requests,
        let_go.follows,
        let_go.reactions,
        gone.deliveries_dropped,
    )


async def process(fed: Federation, session: AsyncSession, prepared: Prepared) -> None:
    activity = prepared.activity
    if prepared.ours is not None and prepared.via is not None:
        await _shared_back(fed, session, prepared.via, prepared.ours)
        return
    if is_account_delete(activity):
        await on_account_delete(fed, session, prepared)
        return
    kind = type_of(activity)
    handler = HANDLERS.get(kind)
    if handler is None:
        raise Ignored(f"{activity.get('type')} activities are not handled yet")
    if kind != "Delete" and await account_deleted(session, activity["actor"]):
        raise PermissionDenied(f"{activity['actor']} deleted its account")
    await handler(fed, session, activity, prepared.via)


async def _wipe_deleted_account(fed: Federation, prepared: Prepared) -> None:
    """After an account's Delete of itself: its posts, a batch per transaction."""
    uri = prepared.activity["actor"]
    wiped = await account_deletion.wipe_content(fed, uri)
    if wiped:
        log.info("wiped %d posts and replies of %s, which deleted its account", wiped, uri)


async def _claim(fed: Federation) -> list[int]:
    now = fed.clock()
    async with fed.sessions.begin() as session:
        statement = (
            select(InboxItem.id)
            .where(
                InboxItem.state == QueueState.QUEUED,
                InboxItem.next_attempt_at <= now,
                or_(InboxItem.claimed_until.is_(None), InboxItem.claimed_until < now),
            )
            .order_by(InboxItem.id)
            .limit(BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        ids = list(await session.scalars(statement))
        if ids:
            await session.execute(
                update(InboxItem).where(InboxItem.id.in_(ids)).values(claimed_until=now + LEASE)
            )
    return ids


async def _handle_item(fed: Federation, item_id: int) -> None:
    async with fed.sessions() as session:
        item = await session.get_one(InboxItem, item_id)
        activity, signed = json.loads(item.payload), bool(item.key_id)
    outcome: tuple[QueueState, str | None] = (QueueState.DONE, None)
    try:
        prepared = await prefetch(fed, activity, signed=signed)
        async with fed.sessions.begin() as session:
            await process(fed, session, prepared)
        if is_account_delete(prepared.activity):
            await _wipe_deleted_account(fed, prepared)
    except Ignored as exc:
        log.info("ignored %s: %s", activity.get("id"), exc)
    except (Malformed, DomainError) as exc:
        log.info("refused %s: %s", activity.get("id"), exc)
        outcome = (QueueState.FAILED, str(exc))
    except FetchError as exc:
        outcome = (QueueState.QUEUED, exc.reason)
    now = fed.clock()
    async with fed.sessions.begin() as session:
        item = await session.get_one(InboxItem, item_id)
        item.attempts += 1
        item.claimed_until = None
        item.last_error = outcome[1]
        if outcome[0] is QueueState.QUEUED and item.attempts <= len(RETRY_DELAYS):
            item.next_attempt_at = now + RETRY_DELAYS[item.attempts - 1]
            log.info("will retry %s: %s", item.activity_uri, outcome[1])
            return
        item.state = QueueState.FAILED if outcome[1] else QueueState.DONE
        item.processed_at = now


async def process_once(fed: Federation) -> int:
    """Process one batch of due inbox items; return how many were handled."""
    ids = await _claim(fed)
    for item_id in ids:
        await _handle_item(fed, item_id)
    return len(ids)
