"""Anonymous posts across nodes: a Kinfolk group hosted here taking them from members of
other Kinfolk nodes, and the bans of their writers, kept by token.

The writer's node sends such a post as its own (its instance actor's), with an opaque
token per writer and group (``federation.protocol.anonymous_posts``). Here the post is
stored with that node's instance actor as its author (so only that node edits or
deletes it), numbered in its thread by the token, and shown as the group's "Anonymous
member" as any anonymous post. Who may write in the group is the writer's node's to
check (it knows its member; we do not): it sends them only for its members of the
group. A moderator's ban of such a writer is kept here by token (``AnonymousWriterBan``)
and sent to the writer's node, which keeps it too, on the posts it sent with that token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.content import sanitize_html
from node.errors import PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.limits import CONTENT_WARNING_MAX
from node.ids import new_public_id
from node.kinds import GroupRole
from node.posts import anonymity, writing
from node.storage.models.actors import Actor
from node.storage.models.groups import AnonymousWriterBan, Group
from node.storage.models.posts import Post
from node.topics import Topic, stored

WRITER_BANNED = "the writer of this anonymous post is banned from posting in this group"


async def token_banned(session: AsyncSession, group_id: int, token: str) -> bool:
    found = await session.scalar(
        select(AnonymousWriterBan.id).where(
            AnonymousWriterBan.group_id == group_id, AnonymousWriterBan.token == token
        )
    )
    return found is not None


async def ban_token(session: AsyncSession, group_id: int, token: str, *, now: datetime) -> None:
    """Keep a ban of the writer known by ``token`` from the group ``group_id`` (once)."""
    if not await token_banned(session, group_id, token):
        session.add(AnonymousWriterBan(group_id=group_id, token=token, banned_at=now))
        await session.flush()


async def lift_token_ban(session: AsyncSession, group_id: int, token: str) -> bool:
    ban = await session.scalar(
        select(AnonymousWriterBan).where(
            AnonymousWriterBan.group_id == group_id, AnonymousWriterBan.token == token
        )
    )
    if ban is None:
        return False
    await session.delete(ban)
    await session.flush()
    return True


async def remember_token(session: AsyncSession, post_id: int, token: str) -> None:
    """On the writer's node: the token an anonymous post was sent with (a ban names it)."""
    post = await session.get_one(Post, post_id)
    post.anonymous_token = token
    await session.flush()


async def ban_from_group(
    session: AsyncSession, group_id: int, token: str, *, now: datetime
) -> bool:
    """On the writer's node: the group ``group_id`` elsewhere banned the writer of the
    anonymous posts we sent with ``token``. False if we sent none with it there."""
    sent = await session.scalar(
        select(Post.id).where(
            Post.group_id == group_id, Post.anonymous_token == token, Post.local.is_(True)
        )
    )
    if sent is None:
        return False
    await ban_token(session, group_id, token, now=now)
    return True


async def store_anonymous_post(
    session: AsyncSession,
    *,
    uri: str,
    node_actor: Actor,
    group: Group,
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
) -> Post:
    """Store (or update) an anonymous post that ``node_actor``'s node sent on its member's
    behalf into ``group``, hosted here; recorded for the group to share as its own."""
    group_actor = await session.get_one(Actor, group.actor_id)
    if not group_actor.local or not group.allow_anonymous_posts:
        raise PermissionDenied(f"{group_actor.uri} does not take anonymous posts")
    if await token_banned(session, group.id, token):
        raise PermissionDenied(WRITER_BANNED)
    post = await session.scalar(select(Post).where(Post.uri == uri))
    created = post is None
    parent = None
    if in_reply_to_uri is not None:
        parent = await session.scalar(select(Post).where(Post.uri == in_reply_to_uri))
        if parent is None or parent.group_id != group.id:
            raise PermissionDenied("a reply belongs to the group of the post it answers")
    if post is None:
        if parent is not None:
            thread = (
                parent
                if parent.thread_id is None
                else await session.get_one(Post, parent.thread_id)
            )
            permissions.require_thread_open(thread.locked_at is not None, GroupRole.MEMBER)
        post = Post(
            public_id=new_public_id(published_at),
            uri=uri,
            local=False,
            author_id=node_actor.id,
            group_id=group.id,
            thread_id=None if parent is None else (parent.thread_id or parent.id),
            in_reply_to_id=None if parent is None else parent.id,
            published_at=published_at,
            anonymous=True,
            anonymous_token=token,
            anonymous_label=await anonymity.label_in_thread(
                session, node_actor.id, parent, token=token
            ),
        )
        session.add(post)
    elif post.author_id != node_actor.id or post.anonymous_token != token:
        raise PermissionDenied(f"{node_actor.uri} cannot change {uri}")
    post.title = title[: writing.TITLE_MAX] if title else None
    post.content_html = sanitize_html(content_html)
    post.content_warning = content_warning[:CONTENT_WARNING_MAX]
    post.topics = stored(topics)
    post.language = language[:16] or "en"
    post.edited_at = edited_at
    await session.flush()
    if post.removed_at is None and post.deleted_at is None:
        kind = EventKind.POST_CREATED if created else EventKind.POST_EDITED
        await record_event(
            session,
            kind,
            actor_id=node_actor.id,
            subject_id=post.id,
            now=now,
            activity=activity_uri,
        )
    return post
