"""Posts written elsewhere, as their author's node tells us of them.

Federation asks whether we hold a post, stores one that arrives (the rules of who
may write where are ``posts.store_remote_post``'s), and wipes one its author
deleted, or all of an account that deleted itself (``remote_accounts``). It
passes and gets back values (``actors``), never rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import remote_accounts
from node.federated.actors import KnownActor, KnownGroup, known_group
from node.posts import remote_posts
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.topics import Topic


@dataclass(frozen=True)
class HeldPost:
    """A post we hold (ours or from elsewhere), and the group it was made in."""

    id: int
    uri: str
    group: KnownGroup


async def post_known(session: AsyncSession, uri: str) -> bool:
    """Whether we hold a post by that id (whatever became of it)."""
    return await session.scalar(select(Post.id).where(Post.uri == uri)) is not None


async def is_ours(session: AsyncSession, uri: str) -> bool:
    """Whether ``uri`` is a post one of our members wrote."""
    found = await session.scalar(select(Post.id).where(Post.uri == uri, Post.local.is_(True)))
    return found is not None


async def post_named(session: AsyncSession, uri: str) -> HeldPost | None:
    """The post ``uri``, if we hold it, with its group."""
    post = await session.scalar(select(Post).where(Post.uri == uri))
    if post is None:
        return None
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    return HeldPost(id=post.id, uri=post.uri, group=known_group(group, group_actor))


async def store_post(
    session: AsyncSession,
    *,
    uri: str,
    author: KnownActor,
    group: KnownGroup,
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
    anonymous_label: int | None = None,
    mentioned_uris: Sequence[str] = (),
    check_in_scale: int | None = None,
) -> None:
    """Store (or update) a post written on another node (``posts.store_remote_post``)."""
    await remote_posts.store_remote_post(
        session,
        uri=uri,
        author=await session.get_one(Actor, author.id),
        group=await session.get_one(Group, group.id),
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
        anonymous_label=anonymous_label,
        mentioned_uris=mentioned_uris,
        check_in_scale=check_in_scale,
    )


async def deleted_by_author(
    session: AsyncSession, uri: str, author: KnownActor, *, now: datetime
) -> bool:
    """Its author elsewhere deleted ``uri``: a tombstone stays. False if we hold no post of
    theirs by that id."""
    actor = await session.get_one(Actor, author.id)
    return await remote_posts.delete_remote_post(session, uri=uri, author=actor, now=now)


async def wipe_posts_of(
    session: AsyncSession, account: KnownActor, *, limit: int, now: datetime
) -> int:
    """Wipe up to ``limit`` posts of an account elsewhere that deleted itself; how many
    (``remote_accounts.wipe_posts``)."""
    actor = await session.get_one(Actor, account.id)
    return await remote_accounts.wipe_posts(session, actor, limit=limit, now=now)
