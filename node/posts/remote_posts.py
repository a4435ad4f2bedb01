"""Posts written on other nodes: stored (and checked, in a group hosted here, as this
node is the authority on who may write in it), and wiped when their authors delete
them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.boundaries.checks import require_may_reply
from node.content import sanitize_html
from node.errors import PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.limits import CONTENT_WARNING_MAX
from node.ids import new_public_id
from node.kinds import GroupRole, MembershipState
from node.notifications.about_posts import STALE_AFTER, notify_about_post
from node.posts.writing import TITLE_MAX, wipe
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post
from node.topics import Topic, stored


async def store_remote_post(
    session: AsyncSession,
    *,
    uri: str,
    author: Actor,
    group: Group,
    in_reply_to_uri: str | None,
    title: str | None,
    content_html: str,
    content_warning: str,
    language: str,
    published_at: datetime,
    edited_at: datetime | None,
    activity_uri: str | None = None,
    now: datetime,
    topics: Sequence[Topic] = (),
    anonymous_label: int | None = None,
    mentioned_uris: Sequence[str] = (),
    check_in_scale: int | None = None,
) -> Post:
    """Store (or update) a post written on another node. Its HTML is sanitised here.

    Into a group hosted here, only its approved members may write (and only its
    moderators start threads where posting is restricted, or answer in locked
    threads); the post is then recorded for the group to share with its members
    on every node, under the id of the activity that brought it
    (``activity_uri``), unless it waits for a moderator's approval (then it is
    shared when approved). A new post tells our members it answers or names
    (``mentioned_uris``: its ``Mention`` tags), unless it is old news
    (``STALE_AFTER``).
    """
    post = await session.scalar(select(Post).where(Post.uri == uri))
    created = post is None
    parent = None
    if in_reply_to_uri is not None:
        parent = await session.scalar(select(Post).where(Post.uri == in_reply_to_uri))
    group_actor = await session.get_one(Actor, group.actor_id)
    hosted_here = group_actor.local
    held = False
    if hosted_here:
        membership = await _require_remote_writer(
            session, group, group_actor, author, thread_start=parent is None
        )
        if created and parent is not None:
            await _require_open_thread(session, parent, membership)
        held = created and permissions.needs_approval(
            group.hold_new_members_posts, membership.role, membership.trusted_at
        )
    if parent is not None and parent.group_id != group.id:
        raise PermissionDenied("a reply belongs to the group of the post it answers")
    if created and parent is not None:
        await require_may_reply(
            session,
            parent_author_id=parent.author_id,
            parent_anonymous=parent.anonymous,
            author_id=author.id,
        )
    if post is None:
        post = Post(
            public_id=new_public_id(published_at),
            uri=uri,
            local=False,
            author_id=author.id,
            group_id=group.id,
            thread_id=None if parent is None else (parent.thread_id or parent.id),
            in_reply_to_id=None if parent is None else parent.id,
            published_at=published_at,
        )
        session.add(post)
    elif post.author_id != author.id or post.local:
        raise PermissionDenied(f"{author.uri} cannot change {uri}")
    post.title = title[:TITLE_MAX] if title else None
    post.content_html = sanitize_html(content_html)
    post.content_warning = content_warning[:CONTENT_WARNING_MAX]
    post.topics = stored(topics)
    post.check_in_scale = check_in_scale  # a shared check-in, from another Kinfolk node
    if not hosted_here and author.id == group.actor_id:
        # A group elsewhere's anonymous post: its writer's number there, to follow the thread.
        post.anonymous_label = anonymous_label
    post.language = language[:16] or "en"
    post.edited_at = edited_at
    if held:
        post.held_at = now
    await session.flush()
    if hosted_here and post.held_at is None and post.removed_at is None:
        kind = EventKind.POST_CREATED if created else EventKind.POST_EDITED
        await record_event(
            session, kind, actor_id=author.id, subject_id=post.id, now=now, activity=activity_uri
        )
    if created and published_at > now - STALE_AFTER:
        await notify_about_post(session, post, now=now, mentioned_uris=mentioned_uris)
    return post


async def _require_open_thread(session: AsyncSession, parent: Post, membership: Membership) -> None:
    """A reply from another node to a thread of a group hosted here: this node is the
    authority on whether the thread still takes replies."""
    thread = parent if parent.thread_id is None else await session.get_one(Post, parent.thread_id)
    permissions.require_thread_open(thread.locked_at is not None, membership.role)
    if parent.held_at is not None:
        raise PermissionDenied(f"{parent.uri} is waiting for a moderator's approval")


async def _require_remote_writer(
    session: AsyncSession, group: Group, group_actor: Actor, author: Actor, *, thread_start: bool
) -> Membership:
    """Refusals name the group: they end up in a log that covers every group here."""
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == author.id)
    )
    name = f"{group_actor.handle}@{group_actor.domain}"
    if membership is not None and membership.state is MembershipState.BANNED:
        raise PermissionDenied(f"{author.uri} is banned from {name}")
    if membership is None or membership.state is not MembershipState.APPROVED:
        raise PermissionDenied(f"{author.uri} is not a member of {name}, so cannot post in it")
    moderator = membership.role in {GroupRole.OWNER, GroupRole.MODERATOR}
    if thread_start and group.posting_restricted_to_moderators and not moderator:
        raise PermissionDenied(f"only the moderators of {name} start threads in it")
    return membership


async def delete_remote_post(
    session: AsyncSession, *, uri: str, author: Actor, now: datetime
) -> bool:
    """A remote author deleted their post: keep a tombstone, wipe the content."""
    post = await session.scalar(select(Post).where(Post.uri == uri))
    if post is None or post.local or post.author_id != author.id:
        return False
    await wipe_remote_post(session, post, now=now)
    return True


async def wipe_remote_post(session: AsyncSession, post: Post, *, now: datetime) -> None:
    """Wipe a post of another node's member, as its author's deletion does (of the post, or
    of their whole account): a tombstone stays. In a group hosted here the deletion is
    recorded for the group to announce to its members' nodes, so they wipe it too (not for
    a held post, which never left this node). Idempotent."""
    if post.deleted_at is not None:
        return
    wipe(post, now)
    group = await session.get_one(Group, post.group_id)
    if (await session.get_one(Actor, group.actor_id)).local and post.held_at is None:
        await record_event(
            session, EventKind.POST_DELETED, actor_id=post.author_id, subject_id=post.id, now=now
        )
