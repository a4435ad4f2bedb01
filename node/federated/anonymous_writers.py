"""Anonymous posts across nodes, as federation asks about them: known by token only
(``node.posts.anonymous_elsewhere``). Values in, values out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor, KnownGroup, actor_by_id, group_by_id
from node.posts import anonymous_elsewhere
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.topics import Topic


@dataclass(frozen=True)
class WriterBan:
    """A group hosted here banned the anonymous writer ``token`` of ``node_actor``'s node."""

    group: KnownGroup
    token: str
    node_actor: KnownActor


async def remember_token(session: AsyncSession, post_id: int, token: str) -> None:
    await anonymous_elsewhere.remember_token(session, post_id, token)


async def writer_ban_of(session: AsyncSession, post_id: int) -> WriterBan | None:
    """The writer of the anonymous post ``post_id`` from another node, known by token, for
    a ban made or lifted through it (None for any other post)."""
    post = await session.get(Post, post_id)
    if post is None or post.local or post.anonymous_token is None:
        return None
    return WriterBan(
        group=await group_by_id(session, post.group_id),
        token=post.anonymous_token,
        node_actor=await actor_by_id(session, post.author_id),
    )


async def store_post(
    session: AsyncSession,
    *,
    uri: str,
    node_actor: KnownActor,
    group: KnownGroup,
    token: str,
    in_reply_to_uri: str | None,
    title: str | None,
    content_html: str,
    content_warning: str,
    language: str,
    published_at: datetime,
    edited_at: datetime | None,
    activity_uri: str,
    now: datetime,
    topics: Sequence[Topic] = (),
) -> None:
    """Store (or update) an anonymous post another Kinfolk node sent into our group."""
    await anonymous_elsewhere.store_anonymous_post(
        session,
        uri=uri,
        node_actor=await session.get_one(Actor, node_actor.id),
        group=await session.get_one(Group, group.id),
        token=token,
        in_reply_to_uri=in_reply_to_uri,
        title=title,
        content_html=content_html,
        content_warning=content_warning,
        language=language,
        published_at=published_at,
        edited_at=edited_at,
        activity_uri=activity_uri,
        now=now,
        topics=topics,
    )


async def banned_by_group(
    session: AsyncSession, group: KnownGroup, token: str, *, now: datetime
) -> bool:
    """A group elsewhere banned the writer of our anonymous posts sent there with
    ``token``; False if we sent none with it there."""
    return await anonymous_elsewhere.ban_from_group(session, group.id, token, now=now)


async def unbanned_by_group(session: AsyncSession, group: KnownGroup, token: str) -> bool:
    """A group elsewhere lifted its ban of ``token``; False if we knew of none."""
    return await anonymous_elsewhere.lift_token_ban(session, group.id, token)
