"""Support from elsewhere: a ``Like`` of a post we hold, and its ``Undo``.

A reaction counts only for a post we hold, and one in a private group elsewhere only
as that group announces it (it changes no content, only a count its author sees; a
group that announces one is believed as ``federation.inbox.announces`` says). A
member of this node reacts here, never through another node. ``Dislike`` is refused
by name: there are no downvotes in peer support.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.lookups import named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed
from node.federated import incoming_posts, ties
from node.federated.actors import KnownActor
from node.federated.incoming_posts import HeldPost

NO_DOWNVOTES = "Dislike: this node has no downvotes, by design"


async def _reacted_post(session: AsyncSession, uri: str | None, via: str | None) -> HeldPost:
    """The post a reaction is for: one we hold, in the group that announced it (if one
    did); reactions in a private group elsewhere reach us only through that group."""
    post = await incoming_posts.post_named(session, uri) if uri else None
    if post is None:
        raise Ignored("we hold no post by that id")
    group_actor = post.group.actor
    if via is not None and group_actor.uri != via:
        raise Malformed("a group can only announce reactions to posts made in it")
    if via is None and not group_actor.local and post.group.private:
        raise Ignored("reactions in a private group elsewhere come only through the group")
    return post


async def _reactor(session: AsyncSession, uri: str) -> KnownActor:
    actor = await named_actor(session, uri)
    if actor.local:
        raise Ignored("the support of a member of this node is counted here already")
    return actor


async def on_like(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """Support for a post (Mastodon and Lemmy name the post by its URI)."""
    actor = await _reactor(session, activity.actor)
    post = await _reacted_post(session, activity.object_id, via)
    if not await ties.supported(session, post, actor, activity_uri=activity.id, now=fed.clock()):
        raise Ignored("the post was deleted")


async def on_dislike(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    raise Ignored(NO_DOWNVOTES)


async def on_undo_like(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """Support taken back: the Like embedded (Mastodon, Lemmy) or named by its id."""
    like = activity.object
    if isinstance(like, ActivityReading):
        if like.type == "Dislike":
            raise Ignored(NO_DOWNVOTES)
        if like.actor != activity.actor:
            raise Malformed("an actor can only take back its own support")
        post_uri: str | None = like.object_id
    else:
        post_uri = await ties.post_supported_by(session, activity.object_id)
        if post_uri is None:
            raise Ignored("undoing a referenced activity is not handled yet")
    actor = await _reactor(session, activity.actor)
    post = await _reacted_post(session, post_uri, via)
    if not await ties.support_withdrawn(
        session,
        post,
        actor,
        like_uri=activity.object_id,
        activity_uri=activity.id,
        now=fed.clock(),
    ):
        raise Ignored("it takes back no support we hold")
