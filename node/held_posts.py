"""Pre-moderation: posts of new members wait for a moderator's approval.

A group hosted here may hold the posts of members none of whose posts a
moderator has approved yet (``Group.hold_new_members_posts``; the rule is
``permissions.needs_approval``). A held post is stored with ``held_at`` and
seen by its author and the group's moderators only; nothing is recorded for
federation, so it reaches no other node. Approving it (``approve_post``)
releases it as if it had just been written (the ``POST_CREATED`` event is
recorded then) and trusts its author from then on; rejecting it
(``reject_post``) removes it, and it never leaves this node. The same holds
for posts that members of other nodes send to a group hosted here: the group
announces them only once approved, and a rejection is told to the author's node
only (``node.pending_posts``), so it stops waiting for the group.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import moderation, permissions
from node.actors import actor_ref
from node.errors import Conflict, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.loading import GroupRecord, load_group
from node.kinds import MembershipState, ModAction, NotificationKind, Visibility
from node.notifications.about_posts import notify_about_post
from node.notifications.recording import notify
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.pending_posts import tell_author_declined
from node.posts import anonymity
from node.posts.visibility import load_post, views_of
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post
from node.views import ActorRef, PostView, Viewer


async def list_held(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[PostView]:
    """The posts waiting for approval in a group, oldest first (the queue's order)."""
    limit = check_limit(limit)
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_can_moderate_posts(viewer, record.membership)
    if not permissions.can_read_content(record.group.visibility, record.membership):
        # Node staff outside a private group: its posts, held or not, are not theirs to
        # read (``posts.visibility.load_post`` answers the same for each one).
        raise NotFound(f"no group called {group_acct!r} here")
    statement = (
        select(Post)
        .where(
            Post.group_id == record.group.id,
            Post.held_at.is_not(None),
            Post.removed_at.is_(None),
            Post.deleted_at.is_(None),
        )
        .order_by(Post.published_at, Post.id)
        .limit(limit + 1)
    )
    if cursor:
        at, post_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(Post.published_at > at, and_(Post.published_at == at, Post.id > post_id))
        )
    posts = (await session.scalars(statement)).all()
    next_cursor = None
    if len(posts) > limit:
        last = posts[limit - 1]
        next_cursor = encode_cursor(last.published_at, last.id)
    return Page(items=await views_of(session, viewer, posts[:limit]), next_cursor=next_cursor)


async def groups_with_held(session: AsyncSession, viewer: Viewer) -> list[ActorRef]:
    """For node staff, the groups hosted here with posts waiting that they may approve, by
    handle: the public ones, and private ones they are approved members of (a private
    group's posts are for its members: ``posts.visibility.load_post`` refuses anyone
    else). Nobody else gets any (a group's moderators find theirs in
    ``reports.report_queue.moderated_groups``)."""
    if not viewer.is_node_staff:
        return []
    waiting = select(Post.group_id).where(
        Post.held_at.is_not(None), Post.removed_at.is_(None), Post.deleted_at.is_(None)
    )
    member_of = select(Membership.group_id).where(
        Membership.member_id == viewer.actor_id, Membership.state == MembershipState.APPROVED
    )
    actors = await session.scalars(
        select(Actor)
        .join(Group, Group.actor_id == Actor.id)
        .where(
            Actor.local.is_(True),
            Group.id.in_(waiting),
            or_(Group.visibility == Visibility.PUBLIC, Group.id.in_(member_of)),
        )
        .order_by(Actor.handle_key)
    )
    return [actor_ref(actor) for actor in actors]


async def _held(session: AsyncSession, viewer: Viewer, public_id: str) -> tuple[Post, GroupRecord]:
    post, record = await load_post(session, viewer, public_id)
    permissions.require_can_moderate_posts(viewer, record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node approves its posts there")
    if post.held_at is None:
        raise Conflict("this post is not waiting for approval")
    if post.deleted_at is not None or post.removed_at is not None:
        raise Conflict("this post was deleted or turned down; restore it to approve it")
    return post, record


async def approve_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> PostView:
    """Let a held post through: shared as if just written, and its author trusted from now on
    (their next posts go out at once)."""
    post, record = await _held(session, viewer, public_id)
    post.held_at = None
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == record.group.id, Membership.member_id == post.author_id
        )
    )
    if membership is not None and membership.trusted_at is None:
        membership.trusted_at = now
    # The author's own act, now allowed to travel (a remote author's under a new id: the
    # one it reached us with was not kept).
    await record_event(
        session, EventKind.POST_CREATED, actor_id=post.author_id, subject_id=post.id, now=now
    )
    await notify(
        session,
        post.author_id,
        NotificationKind.POST_APPROVED,
        actor_id=viewer.actor_id,
        named=False,
        post_id=post.id,
        now=now,
    )
    await notify_about_post(session, post, now=now)
    await moderation.record_action(
        session,
        record.group,
        ModAction.APPROVE_POST,
        moderator_id=viewer.actor_id,
        target_uri=post.uri,
        target_post_id=post.id,
        target_actor_id=anonymity.logged_author_id(post),
        now=now,
    )
    return (await views_of(session, viewer, [post]))[0]


async def reject_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> None:
    """Turn a held post down, saying why: removed, and never shared with any other node."""
    post, record = await _held(session, viewer, public_id)
    reason = moderation.clean_reason(reason)
    post.removed_at = now  # still held too: it stays out of every listing
    await tell_author_declined(session, post, viewer.actor_id, now=now)
    await notify(
        session,
        post.author_id,
        NotificationKind.POST_DECLINED,
        actor_id=viewer.actor_id,
        named=False,
        post_id=post.id,
        reason=reason,
        now=now,
    )
    await moderation.record_action(
        session,
        record.group,
        ModAction.REJECT_POST,
        moderator_id=viewer.actor_id,
        target_uri=post.uri,
        target_post_id=post.id,
        target_actor_id=anonymity.logged_author_id(post),
        reason=reason,
        now=now,
    )
