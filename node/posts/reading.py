"""Reading posts: one post, a group's threads, a thread's replies, for members and
visitors here, for other nodes that fetch them, and what the node may count in public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node import permissions
from node.errors import NotFound
from node.federation_policy.visibility import decision_for
from node.groups.loading import load_group, readable_by_node
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.posts.visibility import (
    by_active_account,
    live,
    load_post,
    not_hidden_from,
    readable_by_anyone,
    shown_posts,
    unshared_visible,
    views_of,
)
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.topics import filters
from node.views import PostView, Viewer


async def get_post(
    session: AsyncSession,
    viewer: Viewer | None,
    public_id: str,
    *,
    show_removed: bool = False,
    reveal: bool = False,
) -> PostView:
    """A post; a removed one whole only to its group's moderators and staff who ask; one
    the viewer's topic filters hide, whole only when they open it (``reveal``)."""
    view, _ = await read_post(session, viewer, public_id, show_removed=show_removed, reveal=reveal)
    return view


@dataclass(frozen=True)
class Standing:
    """What the viewer is to a post they read: its writer (an anonymous one's too), and
    whether they moderate its group's posts (as ``permissions.can_moderate_posts``)."""

    wrote: bool
    moderates: bool


async def read_post(
    session: AsyncSession,
    viewer: Viewer | None,
    public_id: str,
    *,
    show_removed: bool = False,
    reveal: bool = False,
) -> tuple[PostView, Standing]:
    """``get_post``, with the viewer's standing found on the way (no further query)."""
    post, record = await load_post(session, viewer, public_id)
    moderates = permissions.can_moderate_posts(viewer, record.membership)
    show = show_removed and moderates
    views = await views_of(session, viewer, [post], show_removed=show)
    view = (await filters.apply(session, viewer, views, reveal=reveal or show))[0]
    wrote = viewer is not None and viewer.actor_id == post.author_id
    return view, Standing(wrote, moderates)


async def list_threads(
    session: AsyncSession,
    site: Site,
    viewer: Viewer | None,
    group_acct: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
    show_removed: bool = False,
    reveal: bool = False,
) -> Page[PostView]:
    """A group's thread starts, newest first; deleted (or removed) threads with no live reply
    are left out. Held threads are listed for their author and the moderators only."""
    limit = check_limit(limit)
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_content_readable(record.group.visibility, record.membership)
    moderating = permissions.can_moderate_posts(viewer, record.membership)
    show = show_removed and moderating
    reply_row = aliased(Post)
    has_replies = select(reply_row.id).where(reply_row.thread_id == Post.id, live(reply_row))
    shown = true() if show else and_(Post.removed_at.is_(None), by_active_account(Post))
    if viewer is not None:  # its author still finds a post its group elsewhere turned down
        declined = and_(Post.pending_at.is_not(None), Post.author_id == viewer.actor_id)
        shown = or_(shown, declined)
    whole = and_(Post.deleted_at.is_(None), shown)
    statement = (
        select(Post)
        .where(
            Post.group_id == record.group.id,
            Post.in_reply_to_id.is_(None),
            or_(whole, has_replies.exists()),
            unshared_visible(viewer, moderating),
            not_hidden_from(viewer),
        )
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        at, post_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(Post.published_at < at, and_(Post.published_at == at, Post.id < post_id))
        )
    posts = await shown_posts(session, statement, record)
    next_cursor = None
    if len(posts) > limit:
        last = posts[limit - 1]
        next_cursor = encode_cursor(last.published_at, last.id)
    items = await views_of(session, viewer, posts[:limit], show_removed=show)
    items = await filters.apply(session, viewer, items, reveal=reveal or show)
    return Page(items=items, next_cursor=next_cursor)


async def list_replies(
    session: AsyncSession,
    viewer: Viewer | None,
    public_id: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
    show_removed: bool = False,
    reveal: bool = False,
) -> Page[PostView]:
    """Every reply in the thread that ``public_id`` starts, oldest first; each names its
    parent (``in_reply_to``) so clients build the tree. Removed replies are tombstones
    (whole for moderators who ask); held ones are for their author and the moderators."""
    limit = check_limit(limit)
    post, record = await load_post(session, viewer, public_id)
    moderating = permissions.can_moderate_posts(viewer, record.membership)
    root_id = post.thread_id or post.id
    statement = (
        select(Post)
        .where(
            Post.thread_id == root_id,
            unshared_visible(viewer, moderating),
            not_hidden_from(viewer),
        )
        .order_by(Post.published_at, Post.id)
        .limit(limit + 1)
    )
    if cursor:
        at, post_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(Post.published_at > at, and_(Post.published_at == at, Post.id > post_id))
        )
    posts = await shown_posts(session, statement, record)
    next_cursor = None
    if len(posts) > limit:
        last = posts[limit - 1]
        next_cursor = encode_cursor(last.published_at, last.id)
    show = show_removed and moderating
    items = await views_of(session, viewer, posts[:limit], show_removed=show)
    items = await filters.apply(session, viewer, items, reveal=reveal or show)
    return Page(items=items, next_cursor=next_cursor)


async def post_for_node(session: AsyncSession, public_id: str, domain: str | None) -> PostView:
    """A post as another node (``None``: an unsigned request) may fetch it: a private
    group's posts only by nodes hosting the group or an approved member of it."""
    post = await session.scalar(select(Post).where(Post.public_id == public_id))
    if post is None:
        raise NotFound("no such post")
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    unshared = post.held_at is not None or post.pending_at is not None
    if unshared or not await readable_by_node(session, group, group_actor, domain):
        raise NotFound("no such post")  # word for word as a missing one
    author = await session.get_one(Actor, post.author_id)
    if not (await decision_for(session, author)).federates:
        raise NotFound("no such post")  # hidden here, so not served from here either
    return (await views_of(session, None, [post]))[0]


async def post_at_for_node(session: AsyncSession, uri: str, domain: str | None) -> PostView:
    """The post named ``uri`` (ours or held here), as ``post_for_node`` lets ``domain`` see it."""
    public_id = await session.scalar(select(Post.public_id).where(Post.uri == uri))
    if public_id is None:
        raise NotFound("no such post")
    return await post_for_node(session, public_id, domain)


async def view_for_federation(session: AsyncSession, post: Post) -> PostView:
    """A post as its group shares it with member nodes (no viewer: federation decides
    who receives it, so no visibility check applies here)."""
    return (await views_of(session, None, [post]))[0]


async def count_public_local_posts(session: AsyncSession) -> int:
    """Posts and replies by this node's members that anyone may read now: what the node
    may say about its activity (NodeInfo) without telling that a private group is busy."""
    statement = select(func.count()).where(Post.local.is_(True), readable_by_anyone(Post))
    return await session.scalar(statement) or 0
