"""Anonymous posts from members of other Kinfolk nodes, and bans of ours by token.

A group hosted here that takes anonymous posts (``allow_anonymous_posts``) accepts one
sent by the writer's node on their behalf: a ``Create`` or ``Update`` by the instance
actor of the post's own origin (an ``Application`` at that origin's ``/actor``, as
every Kinfolk node has), of a post attributed to the group and carrying the writer's
token (``federation.protocol.anonymous_posts``). It never comes through a group: the
token is for the group's node alone, which shares the post as its own, without it.
That node's ``Delete`` of it is an author's deletion (``handlers.posts``), the instance
actor being its author here.

A group elsewhere's ``Block`` whose object is a token bans the writer of the anonymous
posts we sent it with that token: we refuse that member's next ones into the group,
until the group's ``Undo`` of that ``Block``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.lookups import named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.anonymous_posts import instance_actor_of
from federation.protocol.post_readings import PostReading
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed
from node.federated import anonymous_writers
from node.federated.actors import KnownGroup, actor_named, group_of
from node.kinds import ActorKind


async def on_anonymous_post(
    fed: Federation,
    session: AsyncSession,
    activity: ActivityReading,
    note: PostReading,
    via: str | None,
) -> None:
    """Store an anonymous post another Kinfolk node sent into a group hosted here."""
    assert note.anonymous_token is not None
    if via is not None:
        raise Malformed("a writer's token travels from their node to the group's only")
    if activity.actor != instance_actor_of(note.uri):
        raise Malformed("an anonymous post comes from the instance actor of its own origin")
    node_actor = await named_actor(session, activity.actor)
    if node_actor.kind is not ActorKind.APPLICATION:
        raise Malformed(f"{activity.actor} is not a node's instance actor")
    group_actor = await actor_named(session, note.author_uri)
    if group_actor is None or not group_actor.is_group or not group_actor.local:
        raise Ignored("an anonymous post is attributed to a group hosted here")
    if note.audience_uri not in {None, group_actor.uri}:
        raise Malformed("an anonymous post is made in the group it is attributed to")
    group = await group_of(session, group_actor)
    if group is None:
        raise Ignored(f"{group_actor.uri} is not a group")
    now = fed.clock()
    await anonymous_writers.store_post(
        session,
        uri=note.uri,
        node_actor=node_actor,
        group=group,
        token=note.anonymous_token,
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
    )


async def _banning_group(
    session: AsyncSession, block: ActivityReading, actor: str, via: str | None
) -> KnownGroup:
    group_actor = await named_actor(session, actor)
    if via is not None or block.actor != actor or not group_actor.is_group or group_actor.local:
        raise Malformed("a writer is banned by token, and let back, by the group itself")
    if block.target not in {None, group_actor.uri}:
        raise Malformed("a group bans writers from itself only")
    group = await group_of(session, group_actor)
    if group is None:
        raise Ignored(f"{actor} is not a group we know")
    return group


async def on_writer_ban(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A group elsewhere banned the writer of our anonymous posts sent with the token."""
    group = await _banning_group(session, activity, activity.actor, via)
    if not await anonymous_writers.banned_by_group(
        session, group, activity.object_id, now=fed.clock()
    ):
        raise Ignored("we sent no anonymous post with that token to this group")


async def on_writer_unban(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A group elsewhere lifted its ban of the writer known by the token (``Undo`` of the
    ``Block``)."""
    block = activity.object
    assert isinstance(block, ActivityReading)  # routed here by the Block it undoes
    group = await _banning_group(session, block, activity.actor, via)
    if not await anonymous_writers.unbanned_by_group(session, group, block.object_id):
        raise Ignored("it lifts no ban we know of")
