"""Posts that cross nodes before their group has shared them.

A group's own node decides what the group shows: it may hold a new member's post
for a moderator, turn it down, or remove it before sharing it. So a post our
member writes in a group hosted elsewhere is *pending* here (``Post.pending_at``)
until the group's ``Announce`` of it comes back: its author sees it, marked as
waiting for the group, and nobody else does — not visitors, not other members,
not this node's staff, not another node fetching it from here. Only once the
group has shared it does it reach the author's own followers elsewhere.

If the group turns it down (a ``Reject``, or a removal before sharing it), it
stays its author's alone, marked as not accepted; its text is kept for them, as
it never left the group's moderators. A later ``Announce`` does not undo that:
only the group restoring it (``posts.removal.restored_elsewhere``) makes it
pending again.

The other side lives here too: when a group hosted here turns down a post a
member of another node sent it, that node is told (``POST_DECLINED``), so that it
stops waiting and shows its member the answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.events import EventKind
from node.events import record as record_event
from node.kinds import NotificationKind
from node.notifications.about_posts import notify_about_post
from node.notifications.recording import notify
from node.storage.models.groups import Group
from node.storage.models.posts import Post


async def _pending_in(session: AsyncSession, group: Group, uri: str) -> Post | None:
    """Our member's post ``uri`` in ``group`` (hosted elsewhere), if it still waits."""
    post = await session.scalar(
        select(Post).where(Post.uri == uri, Post.group_id == group.id, Post.local.is_(True))
    )
    return post if post is not None and post.pending_at is not None else None


async def shared_elsewhere(session: AsyncSession, group: Group, uri: str, *, now: datetime) -> bool:
    """The group shared our member's post: from now on everyone who may read the group sees
    it, and it goes to its author's followers. False unless it was waiting in that group
    (and had not been turned down)."""
    post = await _pending_in(session, group, uri)
    if post is None or post.removed_at is not None:
        return False
    post.pending_at = None
    if post.deleted_at is None:
        await record_event(
            session, EventKind.POST_SHARED, actor_id=post.author_id, subject_id=post.id, now=now
        )
        await notify_about_post(session, post, now=now)
    return True


async def declined_elsewhere(
    session: AsyncSession, group: Group, uri: str, *, now: datetime
) -> bool:
    """The group turned our member's post down before sharing it: it stays its author's
    alone, marked as not accepted. False unless it was waiting in that group."""
    post = await _pending_in(session, group, uri)
    if post is None:
        return False
    if post.removed_at is None:
        post.removed_at = now
        await notify(
            session,
            post.author_id,
            NotificationKind.POST_DECLINED,
            named=False,
            post_id=post.id,
            now=now,
        )
    return True


async def tell_author_declined(
    session: AsyncSession, post: Post, moderator_id: int, *, now: datetime
) -> None:
    """A group hosted here turned down, before sharing it, a post a member of another node
    sent it: that node is told, so its member sees the answer instead of waiting forever.
    (Posts of this node's members need no message: their author reads the group here.)"""
    if not post.local:
        await record_event(
            session, EventKind.POST_DECLINED, actor_id=moderator_id, subject_id=post.id, now=now
        )
