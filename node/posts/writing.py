"""Writing posts: a member starts a thread, replies, edits what they wrote or deletes it.

A new post in a pre-moderated group waits for a moderator (``held_at``); one in a
group elsewhere waits for that group to share it (``pending_at``). A deletion wipes
the text at once and leaves a tombstone, so the replies under it keep their place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.boundaries.checks import require_may_reply
from node.content import render_markdown
from node.errors import Conflict, InvalidInput
from node.events import EventKind
from node.events import record as record_event
from node.groups.limits import CONTENT_WARNING_MAX, validate_language
from node.groups.loading import load_group
from node.handles import check_length
from node.ids import new_public_id
from node.notifications.about_posts import notify_about_post
from node.posts import anonymity, anonymous_moderation
from node.posts.removal import remove
from node.posts.visibility import load_post, views_of
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post
from node.topics import parse_topics, stored
from node.views import PostView, Viewer

TITLE_MAX = 300
BODY_MAX = 50_000
DECLINED = "the group did not accept this post"


def _clean_body(body: str) -> str:
    check_length(body, BODY_MAX, "body")
    if not body.strip():
        raise InvalidInput("write something before posting", field="body")
    return body


def _clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    return check_length(title.strip(), TITLE_MAX, "title", minimum=1)


def refuse_if_gone(post: Post) -> None:
    """What no longer takes replies, edits or support: deleted, removed or held posts."""
    if post.deleted_at is not None:
        raise Conflict("this post was deleted")
    if post.removed_at is not None and post.pending_at is not None:
        raise Conflict(DECLINED)
    if post.removed_at is not None:
        raise Conflict("this post was removed by a moderator")
    if post.held_at is not None:
        raise Conflict("this post is waiting for a moderator's approval")
    if post.pending_at is not None:
        raise Conflict("this post is waiting for its group to share it")


async def _insert_post(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group: Group,
    *,
    title: str | None,
    body: str,
    content_warning: str | None,
    language: str | None,
    parent: Post | None,
    anonymous: bool = False,
    now: datetime,
    topics: Sequence[str] | None = None,
    check_in_scale: int | None = None,
) -> Post:
    warning = group.default_content_warning if content_warning is None else content_warning
    chosen = group.default_topics if topics is None else stored(parse_topics(topics))
    public_id = new_public_id(now)
    post = Post(
        public_id=public_id,
        uri=site.post_uri(public_id),
        local=True,
        author_id=viewer.actor_id,
        group_id=group.id,
        thread_id=None if parent is None else (parent.thread_id or parent.id),
        in_reply_to_id=None if parent is None else parent.id,
        title=_clean_title(title),
        source=_clean_body(body),
        content_html=render_markdown(body),
        content_warning=check_length(warning.strip(), CONTENT_WARNING_MAX, "content_warning"),
        topics=chosen,
        language=validate_language(language or group.language),
        published_at=now,
        check_in_scale=check_in_scale,
    )
    group_is_local = (await session.get_one(Actor, group.actor_id)).local
    await anonymous_moderation.require_not_banned(session, group.id, viewer.actor_id)
    if anonymous:
        anonymity.require_allowed(group, group_is_local=group_is_local)
        await anonymous_moderation.require_own_not_banned(session, group.id, viewer.actor_id)
        post.anonymous = True
        post.anonymous_label = await anonymity.label_in_thread(session, viewer.actor_id, parent)
    if not group_is_local:
        post.pending_at = now  # sent to its group, seen by its author only until shared
    elif await _needs_approval(session, group, viewer.actor_id):
        post.held_at = now  # not shared (no event) until a moderator approves it
    session.add(post)
    await session.flush()
    if post.held_at is None:
        await record_event(
            session, EventKind.POST_CREATED, actor_id=viewer.actor_id, subject_id=post.id, now=now
        )
    await notify_about_post(session, post, now=now)
    return post


async def _needs_approval(session: AsyncSession, group: Group, author_id: int) -> bool:
    """Whether a new post of ``author_id`` in ``group`` waits for a moderator (pre-moderation)."""
    if not group.hold_new_members_posts:
        return False
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == author_id)
    )
    return membership is not None and permissions.needs_approval(
        group.hold_new_members_posts, membership.role, membership.trusted_at
    )


async def create_post(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    *,
    body: str,
    title: str | None = None,
    content_warning: str | None = None,
    language: str | None = None,
    anonymous: bool = False,
    now: datetime,
    topics: Sequence[str] | None = None,
    check_in_scale: int | None = None,
) -> PostView:
    """Start a thread in a group. Without a content warning (or support topics) the group's
    default applies; ``anonymous``: shown as the group's "Anonymous member"
    (``node.posts.anonymity``); ``check_in_scale``: a shared check-in (``node.checkins``)."""
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_can_post(record.membership, record.group.posting_restricted_to_moderators)
    post = await _insert_post(
        session,
        site,
        viewer,
        record.group,
        title=title,
        body=body,
        content_warning=content_warning,
        language=language,
        parent=None,
        anonymous=anonymous,
        now=now,
        topics=topics,
        check_in_scale=check_in_scale,
    )
    return (await views_of(session, viewer, [post]))[0]


async def reply(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    parent_id: str,
    *,
    body: str,
    content_warning: str | None = None,
    language: str | None = None,
    anonymous: bool = False,
    now: datetime,
    topics: Sequence[str] | None = None,
) -> PostView:
    """Reply to a post or to another reply, at any depth, unless its thread is locked."""
    parent, record = await load_post(session, viewer, parent_id)
    thread = parent if parent.thread_id is None else await session.get_one(Post, parent.thread_id)
    permissions.require_can_reply(record.membership, thread_locked=thread.locked_at is not None)
    if parent.deleted_at is not None:
        raise Conflict("this post was deleted; it can no longer be answered")
    refuse_if_gone(parent)
    await require_may_reply(
        session,
        parent_author_id=parent.author_id,
        parent_anonymous=parent.anonymous,
        author_id=viewer.actor_id,
    )
    post = await _insert_post(
        session,
        site,
        viewer,
        record.group,
        title=None,
        body=body,
        content_warning=content_warning,
        language=language or parent.language,
        parent=parent,
        anonymous=anonymous,
        now=now,
        topics=topics,
    )
    return (await views_of(session, viewer, [post]))[0]


async def edit_post(
    session: AsyncSession,
    viewer: Viewer,
    public_id: str,
    *,
    body: str | None = None,
    title: str | None = None,
    content_warning: str | None = None,
    now: datetime,
    topics: Sequence[str] | None = None,
) -> PostView:
    """The author changes what they wrote; the post is marked as edited."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_edit(viewer, post.author_id, group.membership)
    if post.deleted_at is not None:
        raise Conflict("this post was deleted")
    if post.removed_at is not None:
        raise Conflict(DECLINED if post.pending_at else "this post was removed by a moderator")
    if title is not None:
        if post.in_reply_to_id is not None:
            raise InvalidInput("replies have no title", field="title")
        post.title = _clean_title(title)
    if body is not None:
        post.source = _clean_body(body)
        post.content_html = render_markdown(body)
    if content_warning is not None:
        post.content_warning = check_length(
            content_warning.strip(), CONTENT_WARNING_MAX, "content_warning"
        )
    if topics is not None:
        post.topics = stored(parse_topics(topics))
    post.edited_at = now
    if post.held_at is None:  # a held post is shared as it is once approved
        await record_event(
            session, EventKind.POST_EDITED, actor_id=viewer.actor_id, subject_id=post.id, now=now
        )
    return (await views_of(session, viewer, [post]))[0]


async def delete_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> None:
    """Delete a post: its author may; for anyone else (the group's moderators, node staff)
    this is a removal (``removal.remove_post``), their own act, without a reason."""
    post, group = await load_post(session, viewer, public_id)
    permissions.require_can_delete(viewer, post.author_id, group.membership)
    if viewer.actor_id != post.author_id:
        await remove(session, viewer, post, group, reason="", now=now)
        return
    if post.deleted_at is not None:
        return
    wipe(post, now)
    if post.held_at is None:  # a held post never left this node
        await record_event(
            session, EventKind.POST_DELETED, actor_id=viewer.actor_id, subject_id=post.id, now=now
        )


def wipe(post: Post, now: datetime) -> None:
    """Wipe what a post says, as its author's deletion does: a tombstone stays."""
    post.deleted_at = now
    post.title = None
    post.source = None
    post.content_html = ""
    post.content_warning = ""
    post.topics = ""
