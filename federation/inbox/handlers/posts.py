"""Posts from elsewhere: their ``Create``, ``Update`` and ``Delete``, and actors' updates.

An activity speaks only for its own actor: a ``Create``'s or ``Update``'s post must
be attributed to the activity's actor and be on its server, an actor updates only
itself, and a ``Delete`` touches only its actor's posts (an account's ``Delete`` of
itself is ``handlers.accounts``'; a moderator's ``Delete`` of someone else's post,
announced by its group, is a removal: ``handlers.moderation``).

A ``Create`` of a Note to one of our members alone is a conversation's message, or a
request to start one (``handlers.conversations``), never a post.

A post is stored in the group it is addressed to (its ``audience``, or a group in
``to``/``cc``), which must be the group that announced it, if one did. Content of a
group elsewhere that reaches us addressed to its members only marks that group
private here; it must come through the group, never from its author alone. A
group's ``Update`` of itself is stored with its rules and settings, and its
moderators read again soon; announced as Lemmy's moderators' ``Update`` of it, the
group is read again from its own server (``federation.remote.backfill``).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers import conversations
from federation.inbox.handlers.anonymous_posts import on_anonymous_post
from federation.inbox.handlers.lookups import named_actor
from federation.inbox.handlers.moderation import is_removal, on_removal
from federation.inbox.prepared import Ignored
from federation.protocol.conversations import direct_message
from federation.protocol.post_readings import PostReading
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed, same_origin
from federation.remote import group_sync
from federation.remote.actors import ActorDocument
from federation.remote.groups import group_updated
from node.federated import group_decisions, incoming_posts
from node.federated.actors import KnownGroup, actor_named, group_of

log = logging.getLogger("kinfolk.processing")

NOT_EMBEDDED = "the object is not embedded (fetching it comes with group federation)"


async def on_create_or_update(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    note = activity.object
    if via is not None and note == via:  # the group announced a change of itself
        group_actor = await named_actor(session, via)
        await group_sync.request(session, group_actor.id, now=fed.clock(), refresh=True)
        return
    if isinstance(note, ActorDocument):
        await _actor_updated(fed, session, activity, note)
        return
    if not isinstance(note, PostReading):
        raise Ignored(NOT_EMBEDDED)
    direct = direct_message(activity) if via is None else None
    member = None if direct is None else await conversations.member_addressed(session, direct)
    if direct is not None and member is not None:  # to one member of ours alone
        await conversations.on_direct_message(fed, session, direct, member)
        return
    if note.anonymous_token is not None:
        await on_anonymous_post(fed, session, activity, note, via)
        return
    if note.author_uri != activity.actor or not (
        same_origin(note.uri, activity.actor) or _groups_own(activity, via)
    ):
        raise Malformed("the object is not attributed to the activity's actor")
    author = await named_actor(session, activity.actor)
    group = await _group_of(session, note, via)
    if not note.public and not group.actor.local:
        if via is None:  # its author's followers-only post, say: not for a group's readers
            raise Ignored("a post for a few, in a group elsewhere, comes only through the group")
        await group_decisions.group_private(session, group)
    now = fed.clock()
    await incoming_posts.store_post(
        session,
        uri=note.uri,
        author=author,
        group=group,
        in_reply_to_uri=note.in_reply_to_uri,
        title=note.title,
        content_html=note.content_html,
        content_warning=note.content_warning,
        language=note.language or group.language,
        published_at=note.published or now,
        edited_at=note.updated,
        activity_uri=activity.id,
        now=now,
        topics=note.topics,
        anonymous_label=note.anonymous_label,
        check_in_scale=note.check_in_scale,
        mentioned_uris=[mention.href for mention in note.mentions],
    )


def _groups_own(activity: ActivityReading, via: str | None) -> bool:
    """A group's own post, announced by itself, whose id is on another node: an anonymous
    post sent to it by its writer's node (``handlers.anonymous_posts``). The group vouches
    for it, and puts words in no one's mouth but its own."""
    return via is not None and activity.actor == via


async def _actor_updated(
    fed: Federation, session: AsyncSession, activity: ActivityReading, document: ActorDocument
) -> None:
    if activity.type != "Update" or document.uri != activity.actor:
        raise Malformed("an actor can only update itself")
    known = await actor_named(session, document.uri)
    if document.is_group and known is not None and not known.local:
        assert activity.document is not None  # an embedded actor is kept as sent
        await group_updated(fed, session, activity.document, document)  # its rules, settings
        return
    await fed.store(session, document)


async def _group_of(session: AsyncSession, post: PostReading, via: str | None) -> KnownGroup:
    candidates = [post.audience_uri, *post.to, *post.cc]
    for uri in [u for u in candidates if u]:
        known = await actor_named(session, uri)
        if known is not None and known.is_group:
            if via is not None and known.uri != via:
                raise Malformed("a group can only announce posts made in it")
            group = await group_of(session, known)
            if group is not None:
                return group
    raise Ignored("the post is not addressed to a group we know")


async def on_delete(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    target = activity.object_id
    actor = await actor_named(session, activity.actor)
    if actor is None:
        raise Ignored("we hold nothing of this actor")
    if via is not None and is_removal(activity):
        own = activity.actor == via  # the group's own anonymous post, whatever its id
        if not (
            own and await incoming_posts.deleted_by_author(session, target, actor, now=fed.clock())
        ):
            await on_removal(fed, session, activity, via)
        return
    if target != activity.actor and await actor_named(session, target) is not None:
        raise Ignored(f"{activity.actor} cannot delete another account, {target}")
    if not await incoming_posts.deleted_by_author(session, target, actor, now=fed.clock()):
        raise Ignored("no post of this actor by that id")
