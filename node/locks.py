"""Locked threads: a moderator closes a thread to new replies (and may open it again).

A thread of a group hosted here is locked here (``set_locked``), written to the
group's moderation log and recorded for federation, so that every node holding
the thread learns of it; a group hosted elsewhere tells us of its own locks
(``locked_elsewhere``), which we mirror so that this node refuses its members'
replies at once. Who may still answer in a locked thread is a permission rule
(``permissions.require_thread_open``); the group's node stays the authority.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import moderation, permissions
from node.errors import Conflict, InvalidInput, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.kinds import ModAction, NotificationKind
from node.notifications.recording import notify
from node.posts.reading import get_post
from node.posts.visibility import load_post
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import PostView, Viewer


async def set_locked(
    session: AsyncSession,
    viewer: Viewer,
    public_id: str,
    *,
    locked: bool,
    reason: str = "",
    now: datetime,
) -> PostView:
    """Lock a thread (or unlock it), saying why. Idempotent either way."""
    post, record = await load_post(session, viewer, public_id)
    permissions.require_can_moderate_posts(viewer, record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node locks its threads there")
    if post.in_reply_to_id is not None:
        raise InvalidInput("only a thread can be locked, by its first post, not a reply")
    if post.deleted_at is not None:
        raise Conflict("a deleted thread cannot be locked or unlocked")
    reason = moderation.clean_reason(reason)
    if locked != (post.locked_at is not None):
        post.locked_at = now if locked else None
        kind = EventKind.POST_LOCKED if locked else EventKind.POST_UNLOCKED
        await record_event(
            session, kind, actor_id=viewer.actor_id, subject_id=post.id, now=now, reason=reason
        )
        await moderation.record_action(
            session,
            record.group,
            ModAction.LOCK_THREAD if locked else ModAction.UNLOCK_THREAD,
            moderator_id=viewer.actor_id,
            target_uri=post.uri,
            target_post_id=post.id,
            target_actor_id=post.author_id,
            reason=reason,
            now=now,
        )
        if locked:
            await notify(
                session,
                post.author_id,
                NotificationKind.THREAD_LOCKED,
                actor_id=viewer.actor_id,
                named=False,
                post_id=post.id,
                reason=reason,
                now=now,
            )
    return await get_post(session, viewer, public_id)


async def locked_elsewhere(
    session: AsyncSession,
    group: Group,
    post_uri: str,
    *,
    locked: bool,
    reason: str = "",
    now: datetime,
) -> bool:
    """A group hosted elsewhere locked (or unlocked) one of its threads; False if we do not
    hold that thread in that group."""
    post = await session.scalar(
        select(Post).where(
            Post.uri == post_uri, Post.group_id == group.id, Post.in_reply_to_id.is_(None)
        )
    )
    if post is None:
        return False
    if locked != (post.locked_at is not None):
        post.locked_at = now if locked else None
        await session.flush()
        if locked:
            await notify(
                session,
                post.author_id,
                NotificationKind.THREAD_LOCKED,
                named=False,
                post_id=post.id,
                reason=reason.strip(),
                now=now,
            )
    return True
