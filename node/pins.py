"""Announcements: threads a group's moderators pin to the top of their group.

A moderator pins a thread of a group hosted here (``set_pinned``); a group
hosted elsewhere tells us of its own pins (``pinned_elsewhere``), which we
mirror for the posts we hold. Pinned threads are listed apart (``list_pinned``)
rather than mixed into the newest-first pages, so paging through a group never
meets one twice. A few announcements are read; many are skimmed: hence a cap.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import moderation, permissions
from node.errors import Conflict, InvalidInput, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.loading import load_group
from node.kinds import ModAction
from node.posts.reading import get_post
from node.posts.visibility import load_post, views_of
from node.site import Site
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.topics import filters
from node.views import PostView, Viewer

PINS_MAX = 5


def _pinned_in(group: Group) -> Select[Post]:
    return select(Post).where(
        Post.group_id == group.id,
        Post.pinned_at.is_not(None),
        Post.deleted_at.is_(None),
        Post.removed_at.is_(None),
        Post.held_at.is_(None),
        Post.pending_at.is_(None),
    )


async def set_pinned(
    session: AsyncSession, viewer: Viewer, public_id: str, *, pinned: bool, now: datetime
) -> PostView:
    """Pin a thread to its group's top (or unpin it), written to the group's moderation log.
    Idempotent either way."""
    post, record = await load_post(session, viewer, public_id)
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node pins its threads there")
    if post.in_reply_to_id is not None:
        raise InvalidInput("only a thread start can be pinned, not a reply")
    if post.deleted_at is not None:
        raise Conflict("a deleted post cannot be pinned")
    if pinned and (post.removed_at is not None or post.held_at is not None):
        raise Conflict("only a thread everyone can see can be pinned")
    if pinned != (post.pinned_at is not None):
        if pinned:
            already = await session.scalar(
                select(func.count()).select_from(_pinned_in(record.group).subquery())
            )
            if (already or 0) >= PINS_MAX:
                raise Conflict(f"a group can pin at most {PINS_MAX} threads; unpin one first")
        post.pinned_at = now if pinned else None
        kind = EventKind.POST_PINNED if pinned else EventKind.POST_UNPINNED
        await record_event(session, kind, actor_id=viewer.actor_id, subject_id=post.id, now=now)
        await moderation.record_action(
            session,
            record.group,
            ModAction.PIN if pinned else ModAction.UNPIN,
            moderator_id=viewer.actor_id,
            target_uri=post.uri,
            target_post_id=post.id,
            target_actor_id=post.author_id,
            now=now,
        )
    return await get_post(session, viewer, public_id)


async def list_pinned(
    session: AsyncSession, site: Site, viewer: Viewer | None, group_acct: str
) -> list[PostView]:
    """A group's announcements, most recently pinned first."""
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_content_readable(record.group.visibility, record.membership)
    return await filters.apply(session, viewer, await featured(session, record.group, viewer))


async def featured(
    session: AsyncSession, group: Group, viewer: Viewer | None = None
) -> list[PostView]:
    """The pinned threads of a group, most recently pinned first (no visibility check)."""
    statement = _pinned_in(group).order_by(Post.pinned_at.desc(), Post.id.desc())
    return await views_of(session, viewer, (await session.scalars(statement)).all())


async def pinned_elsewhere(
    session: AsyncSession, group: Group, post_uri: str, *, pinned: bool, now: datetime
) -> bool:
    """A group hosted elsewhere pinned (or unpinned) one of its threads; False if we do
    not hold that thread in that group."""
    post = await session.scalar(
        select(Post).where(
            Post.uri == post_uri, Post.group_id == group.id, Post.in_reply_to_id.is_(None)
        )
    )
    if post is None:
        return False
    if pinned != (post.pinned_at is not None):
        post.pinned_at = now if pinned else None
        await session.flush()
    return True
