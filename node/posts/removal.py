"""Removing posts, as moderators do: hidden from all but the group's moderators and staff,
kept so that the removal can be undone, and logged; and removals made by a group's own
node elsewhere, mirrored here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import moderation, permissions
from node.errors import Conflict
from node.events import EventKind
from node.events import record as record_event
from node.groups.loading import GroupRecord
from node.kinds import ModAction, NotificationKind
from node.notifications.recording import notify
from node.pending_posts import tell_author_declined
from node.posts import anonymity
from node.posts.visibility import load_post, views_of
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import PostView, Viewer


async def remove_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> None:
    """A moderator removes a post or reply, saying why: hidden from all but the group's
    moderators and staff (kept, so it can be restored), written to the group's moderation
    log, and sent as the moderator's act (not the author's)."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_remove(viewer, group.membership)
    await remove(session, viewer, post, group, reason=moderation.clean_reason(reason), now=now)


async def remove(
    session: AsyncSession,
    viewer: Viewer,
    post: Post,
    group: GroupRecord,
    *,
    reason: str,
    now: datetime,
) -> None:
    """Remove a post already loaded and checked (``remove_post``, or a deletion by someone
    other than its author, ``writing.delete_post``). Idempotent."""
    if post.deleted_at is not None or post.removed_at is not None:
        return
    post.removed_at = now
    await _moderated(session, viewer, post, group, ModAction.REMOVE_POST, reason=reason, now=now)


_EVENT_OF = {
    ModAction.REMOVE_POST: EventKind.POST_REMOVED,
    ModAction.RESTORE_POST: EventKind.POST_RESTORED,
}
_NOTICE_OF = {
    ModAction.REMOVE_POST: NotificationKind.CONTENT_REMOVED,
    ModAction.RESTORE_POST: NotificationKind.CONTENT_RESTORED,
}


async def _moderated(
    session: AsyncSession,
    viewer: Viewer,
    post: Post,
    group: GroupRecord,
    action: ModAction,
    *,
    reason: str,
    now: datetime,
) -> None:
    """What a removal or restoring leaves behind: the event that federates it (for a held
    post, which never left this node, only the word to a remote author's node that it was
    turned down) and, in a group hosted here, the log entry."""
    if post.held_at is None:
        await record_event(
            session,
            _EVENT_OF[action],
            actor_id=viewer.actor_id,
            subject_id=post.id,
            now=now,
            reason=reason,
        )
    elif action is ModAction.REMOVE_POST:
        await tell_author_declined(session, post, viewer.actor_id, now=now)
    await notify(
        session,
        post.author_id,
        _NOTICE_OF[action],
        actor_id=viewer.actor_id,
        named=False,
        post_id=post.id,
        reason=reason,
        now=now,
    )
    if group.actor.local:
        await moderation.record_action(
            session,
            group.group,
            action,
            moderator_id=viewer.actor_id,
            target_uri=post.uri,
            target_post_id=post.id,
            target_actor_id=anonymity.logged_author_id(post),
            reason=reason,
            now=now,
        )


async def removed_elsewhere(
    session: AsyncSession, group: Group, uri: str, *, reason: str = "", now: datetime
) -> bool:
    """A group elsewhere removed one of its posts (its node moderates it): hidden here too,
    ours or not, and kept in case it restores it; our member who wrote it is told why.
    False if we hold no such post in that group."""
    post = await _post_in(session, group, uri)
    if post is None:
        return False
    if post.deleted_at is None and post.removed_at is None:
        post.removed_at = now
        await _tell_author(session, post, NotificationKind.CONTENT_REMOVED, reason, now)
    return True


async def _tell_author(
    session: AsyncSession, post: Post, kind: NotificationKind, reason: str, now: datetime
) -> None:
    """A group elsewhere's moderators acted on our member's post (``notify`` tells only
    members of this node)."""
    await notify(
        session,
        post.author_id,
        kind,
        named=False,
        post_id=post.id,
        reason=reason.strip(),
        now=now,
    )


async def restore_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> PostView:
    """A moderator undoes a removal, saying why: the post is back for everyone, the act is
    written to the group's log and sent as the moderator's ``Undo`` of the removal.
    Idempotent; a post its author deleted has nothing left to restore."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_moderate_posts(viewer, group.membership)
    reason = moderation.clean_reason(reason)
    if post.deleted_at is not None:
        raise Conflict("its author deleted this post: there is nothing left to restore")
    if post.removed_at is not None:
        post.removed_at = None
        await _moderated(
            session, viewer, post, group, ModAction.RESTORE_POST, reason=reason, now=now
        )
    return (await views_of(session, viewer, [post]))[0]


async def restored_elsewhere(
    session: AsyncSession, group: Group, uri: str, *, reason: str = "", now: datetime
) -> bool:
    """A group elsewhere restored a post it had removed: shown here again (unless its author
    deleted it meanwhile). False if we hold no such post in that group."""
    post = await _post_in(session, group, uri)
    if post is None:
        return False
    if post.removed_at is not None and post.deleted_at is None:
        await _tell_author(session, post, NotificationKind.CONTENT_RESTORED, reason, now)
    post.removed_at = None
    return True


async def _post_in(session: AsyncSession, group: Group, uri: str) -> Post | None:
    return await session.scalar(select(Post).where(Post.uri == uri, Post.group_id == group.id))
