"""Which posts a viewer sees, and what of each.

Everyone who may read a group sees its live posts whole (``live``); a removed post,
or one by a suspended account, is a tombstone but for those who may see it whole;
a held post is for its author and the group's moderators, a pending one for its
author alone (``unshared_visible``); a post by an actor of a domain the federation
policy hides is not there at all (``load_post``, ``shown_posts``); in lists, neither
is a post by someone the viewer muted or blocked (``not_hidden_from``). Every service
that hands out posts goes through ``load_post`` and ``views_of``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions, topics
from node.actors import actor_ref
from node.boundaries.checks import hidden_actors
from node.errors import NotFound
from node.federation_policy.visibility import (
    DomainFilter,
    author_domains,
    decision_for,
    without_hidden,
)
from node.groups.loading import GroupRecord, group_record
from node.kinds import Visibility
from node.posts import anonymity
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post, Reaction
from node.suspensions import suspended_actors, suspended_among
from node.views import PostView, Viewer


def live(row: type[Post]) -> ColumnElement[bool]:
    """Posts everyone who may read the group sees whole: not deleted, removed, held, or
    waiting for a group elsewhere to share them."""
    return and_(
        row.deleted_at.is_(None),
        row.removed_at.is_(None),
        row.held_at.is_(None),
        row.pending_at.is_(None),
        by_active_account(row),
    )


def readable_by_anyone(row: type[Post]) -> ColumnElement[bool]:
    """Posts a passer-by reads whole now: live (``live``) and in a public group."""
    public_groups = select(Group.id).where(Group.visibility == Visibility.PUBLIC)
    return and_(live(row), row.group_id.in_(public_groups))


def by_active_account(row: type[Post]) -> ColumnElement[bool]:
    """Not by a suspended account: those posts are hidden like removed ones. Anonymous
    posts stay (``anonymity.hidden_with_author``)."""
    return or_(~anonymity.hidden_with_author(row), row.author_id.not_in(suspended_actors()))


def unshared_visible(viewer: Viewer | None, moderating: bool) -> ColumnElement[bool]:
    """Held posts are listed for their author and the group's moderators only; a post
    waiting for a group elsewhere to share it, for its author alone."""
    if viewer is None:
        return and_(Post.held_at.is_(None), Post.pending_at.is_(None))
    mine = Post.author_id == viewer.actor_id
    held = true() if moderating else or_(Post.held_at.is_(None), mine)
    return and_(held, or_(Post.pending_at.is_(None), mine))


def not_hidden_from(viewer: Viewer | None) -> ColumnElement[bool]:
    """Posts a list shows the viewer: none by people they muted or blocked (or on a node
    they blocked). Those people are not told. Anonymous posts stay: leaving them out
    would tell the viewer that someone they muted wrote them."""
    if viewer is None:
        return true()
    return or_(
        ~anonymity.hidden_with_author(Post),
        Post.author_id.not_in(hidden_actors(viewer.actor_id)),
    )


async def load_post(
    session: AsyncSession, viewer: Viewer | None, public_id: str
) -> tuple[Post, GroupRecord]:
    """A post and its group, checked for visibility to ``viewer``."""
    post = await session.scalar(select(Post).where(Post.public_id == public_id))
    if post is None:
        raise NotFound("no such post")
    group = await session.get_one(Group, post.group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    try:
        record = await group_record(session, viewer, group_actor)
    except NotFound:
        raise NotFound("no such post") from None
    if not permissions.can_read_content(group.visibility, record.membership):
        # Do not confirm that a private post exists to someone outside the group.
        raise NotFound("no such post")
    if post.held_at is not None and not permissions.can_see_held(
        viewer, post.author_id, record.membership
    ):
        raise NotFound("no such post")
    if post.pending_at is not None and (viewer is None or viewer.actor_id != post.author_id):
        raise NotFound("no such post")  # its group has not shared it: its author's alone
    await _require_author_shown(session, post, record)
    return post, record


async def _require_author_shown(session: AsyncSession, post: Post, record: GroupRecord) -> None:
    """A post by an actor of a domain the federation policy hides (or limits, to those who
    are not approved members of its group) answers word for word as a missing one."""
    author = await session.get_one(Actor, post.author_id)
    decision = await decision_for(session, author)
    if not permissions.can_see_content_from(
        hidden=not decision.federates, limited=decision.limited, membership=record.membership
    ):
        raise NotFound("no such post")


async def shown_posts(
    session: AsyncSession, statement: Select[Post], record: GroupRecord
) -> Sequence[Post]:
    """The page ``statement`` selects in ``record``'s group, without what
    ``_require_author_shown`` hides of one post: posts of hidden domains, and of limited
    ones but for the group's approved members."""
    member = permissions.can_see_content_from(
        hidden=False, limited=True, membership=record.membership
    )

    async def run(shown: DomainFilter) -> Sequence[Post]:
        condition = shown.actors_shown(Post.author_id, limited_too=not member)
        return (await session.scalars(statement.where(condition))).all()

    async def domains(page: Sequence[Post]) -> set[str]:
        return await author_domains(session, {post.author_id for post in page})

    return await without_hidden(session, run, domains)


async def views_of(
    session: AsyncSession,
    viewer: Viewer | None,
    posts: Sequence[Post],
    *,
    show_removed: bool = False,
) -> list[PostView]:
    """Views for a page of posts, with every related fact fetched in a few batched queries.
    Removed posts are tombstones unless ``show_removed`` (the caller checked the viewer
    may see them)."""
    if not posts:
        return []
    ids = [p.id for p in posts]
    group_ids = {p.group_id for p in posts}
    groups = {g.id: g for g in await session.scalars(select(Group).where(Group.id.in_(group_ids)))}
    actor_ids = {p.author_id for p in posts} | {g.actor_id for g in groups.values()}
    actors = {a.id: a for a in await session.scalars(select(Actor).where(Actor.id.in_(actor_ids)))}
    linked = {p.in_reply_to_id for p in posts} | {p.thread_id for p in posts}
    linked.discard(None)
    # A page of thread starts links to nothing: no statement for an empty list.
    linked_rows = (
        await session.execute(
            select(Post.id, Post.public_id, Post.uri, Post.locked_at).where(Post.id.in_(linked))
        )
        if linked
        else ()
    )
    public_ids: dict[int, str] = {}
    uris: dict[int, str] = {}
    locked_threads: set[int] = set()
    for row_id, public_id, uri, locked_at in linked_rows:
        public_ids[row_id], uris[row_id] = public_id, uri
        if locked_at is not None:
            locked_threads.add(row_id)
    reply_counts: dict[int | None, int] = {
        thread_id: count
        for thread_id, count in await session.execute(
            select(Post.thread_id, func.count())
            .where(Post.thread_id.in_(ids), live(Post))
            .group_by(Post.thread_id)
        )
    }
    mine: set[int] = set()
    counts: dict[int, int] = {}
    if viewer is not None:
        mine = set(
            await session.scalars(
                select(Reaction.post_id).where(
                    Reaction.post_id.in_(ids), Reaction.actor_id == viewer.actor_id
                )
            )
        )
        own = [p.id for p in posts if p.author_id == viewer.actor_id]
        if own:
            counts = {
                post_id: count
                for post_id, count in await session.execute(
                    select(Reaction.post_id, func.count())
                    .where(Reaction.post_id.in_(own))
                    .group_by(Reaction.post_id)
                )
            }
    suspended = await suspended_among(session, {p.author_id for p in posts})
    views = []
    for post in posts:
        removed = post.removed_at is not None
        suspended_author = post.author_id in suspended and not post.anonymous
        hidden = removed or suspended_author  # a suspended account's: alike
        is_author = viewer is not None and viewer.actor_id == post.author_id
        declined = removed and post.pending_at is not None
        # Turned down before its group shared it, it never left that group's moderators:
        # its author keeps their words.
        shown_whole = show_removed or (declined and is_author)
        deleted = post.deleted_at is not None or (hidden and not shown_whole)
        group_ref = actor_ref(actors[groups[post.group_id].actor_id])
        author = anonymity.shown_author(post, viewer, actor_ref(actors[post.author_id]), group_ref)
        views.append(
            PostView(
                public_id=post.public_id,
                uri=post.uri,
                group=group_ref,
                author=None if deleted else author,
                title=None if deleted else post.title,
                content_html="" if deleted else post.content_html,
                source=post.source if is_author and not deleted else None,
                content_warning="" if deleted else post.content_warning,
                language=post.language,
                published_at=post.published_at,
                edited_at=post.edited_at,
                deleted=deleted,
                in_reply_to=public_ids.get(post.in_reply_to_id) if post.in_reply_to_id else None,
                in_reply_to_uri=uris.get(post.in_reply_to_id) if post.in_reply_to_id else None,
                group_public=groups[post.group_id].visibility is Visibility.PUBLIC,
                pinned=post.pinned_at is not None and not deleted,
                thread=public_ids.get(post.thread_id) if post.thread_id else None,
                reply_count=reply_counts.get(post.id, 0),
                supported_by_me=post.id in mine,
                support_count=counts.get(post.id, 0) if is_author and not deleted else None,
                removed=removed,
                locked=post.locked_at is not None or post.thread_id in locked_threads,
                held=post.held_at is not None,
                pending=post.pending_at is not None,
                declined=declined,
                topics=() if deleted else topics.from_stored(post.topics),
                # A group elsewhere's anonymous post reaches us as the group's own.
                anonymous=post.anonymous or post.author_id == groups[post.group_id].actor_id,
                anonymous_label=(
                    post.anonymous_label
                    if post.anonymous or post.author_id == groups[post.group_id].actor_id
                    else None
                ),
                check_in_scale=None if deleted else post.check_in_scale,
            )
        )
    return views
