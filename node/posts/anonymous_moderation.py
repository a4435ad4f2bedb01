"""Acting on anonymous posts without learning who wrote them, and finding out when needed.

A group's moderators remove an anonymous post as any other (``node.posts.removal``,
which logs it without its author). They may also ban its writer from posting in the
group (``ban_writer``): the ban is kept on the writer's membership as
``posting_banned_at``, which member lists do not show, and logged against the post,
so neither the moderators nor the public log learn whose membership it was. Nothing
travels for a writer of this node. A writer of another Kinfolk node is known here by a
token only (``node.posts.anonymous_elsewhere``): the ban is kept by token, and that node
is told, to refuse its member's next anonymous posts into the group too.

Node admins may find out who wrote one (``reveal_author``), say for a safeguarding
concern or the law; each look is written to the node's log, naming the post and the
admin but not the author (node moderators read that log too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.actors import actor_ref
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.loading import GroupRecord
from node.kinds import GroupRole, ModAction
from node.moderation import clean_reason, record_action
from node.posts import anonymous_elsewhere
from node.posts.visibility import load_post
from node.storage.models.actors import Actor
from node.storage.models.groups import AnonymousWriterBan, Membership
from node.storage.models.posts import Post
from node.views import ActorRef, Viewer

BANNED = "you were banned from posting in this group"


async def _anonymous_post(
    session: AsyncSession, viewer: Viewer, public_id: str
) -> tuple[Post, GroupRecord]:
    post, record = await load_post(session, viewer, public_id)
    if not post.anonymous:
        raise NotFound("no such anonymous post")
    return post, record


async def _from_elsewhere(session: AsyncSession, viewer: Viewer, public_id: str) -> str | None:
    """The token of an anonymous post's writer from another node, checked for the viewer's
    right to act on it; None for a writer of this node."""
    post, record = await _anonymous_post(session, viewer, public_id)
    if post.local or post.anonymous_token is None:
        return None
    permissions.require_can_moderate_posts(viewer, record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node bans its members there")
    return post.anonymous_token


async def _writer_membership(
    session: AsyncSession, viewer: Viewer, public_id: str
) -> tuple[Post, GroupRecord, Membership]:
    """An anonymous post here, checked for the viewer's right to act on its writer, and the
    writer's membership of its group (never shown to the viewer)."""
    post, record = await _anonymous_post(session, viewer, public_id)
    permissions.require_can_moderate_posts(viewer, record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node bans its members there")
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == post.group_id, Membership.member_id == post.author_id
        )
    )
    if (
        membership is None
        or post.author_id == viewer.actor_id
        or membership.role is GroupRole.OWNER
    ):
        # Said as any other refusal: a moderator may not learn that it was theirs.
        raise InvalidInput("this post's writer cannot be banned", field="post")
    return post, record, membership


async def ban_writer(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> None:
    """Ban the writer of the anonymous post ``public_id`` from posting in its group, as one
    of the group's moderators (or node staff), without being told who it is."""
    if await _from_elsewhere(session, viewer, public_id) is not None:
        post, record = await _anonymous_post(session, viewer, public_id)
        reason = clean_reason(reason)
        assert post.anonymous_token is not None
        await anonymous_elsewhere.ban_token(session, post.group_id, post.anonymous_token, now=now)
        await record_event(
            session,
            EventKind.ANONYMOUS_WRITER_BANNED,
            actor_id=record.actor.id,
            subject_id=post.id,
            now=now,
        )
    else:
        post, record, membership = await _writer_membership(session, viewer, public_id)
        reason = clean_reason(reason)
        membership.posting_banned_at = now
    await record_action(
        session,
        record.group,
        ModAction.BAN,
        moderator_id=viewer.actor_id,
        target_uri=post.uri,
        target_post_id=post.id,
        reason=reason,
        now=now,
    )


async def lift_writer_ban(
    session: AsyncSession, viewer: Viewer, public_id: str, *, reason: str, now: datetime
) -> None:
    """Lift a ban made through the anonymous post ``public_id``, as unseen as it was made."""
    token = await _from_elsewhere(session, viewer, public_id)
    if token is not None:
        post, record = await _anonymous_post(session, viewer, public_id)
        reason = clean_reason(reason)
        if not await anonymous_elsewhere.lift_token_ban(session, post.group_id, token):
            raise NotFound("the writer of this post is not banned")
        await record_event(
            session,
            EventKind.ANONYMOUS_WRITER_UNBANNED,
            actor_id=record.actor.id,
            subject_id=post.id,
            now=now,
        )
    else:
        post, record, membership = await _writer_membership(session, viewer, public_id)
        reason = clean_reason(reason)
        if membership.posting_banned_at is None:
            raise NotFound("the writer of this post is not banned")
        membership.posting_banned_at = None
    await record_action(
        session,
        record.group,
        ModAction.UNBAN,
        moderator_id=viewer.actor_id,
        target_uri=post.uri,
        target_post_id=post.id,
        reason=reason,
        now=now,
    )


async def require_not_banned(session: AsyncSession, group_id: int, author_id: int) -> None:
    """Refuse a post by a member whose anonymous post got them banned from posting here."""
    banned = await session.scalar(
        select(Membership.posting_banned_at).where(
            Membership.group_id == group_id, Membership.member_id == author_id
        )
    )
    if banned is not None:
        raise PermissionDenied(BANNED)


async def require_own_not_banned(session: AsyncSession, group_id: int, author_id: int) -> None:
    """On the writer's node: refuse an anonymous post into a group elsewhere whose
    moderators banned the token this member's anonymous posts there were sent with."""
    banned = await session.scalar(
        select(AnonymousWriterBan.id)
        .join(Post, Post.anonymous_token == AnonymousWriterBan.token)
        .where(
            AnonymousWriterBan.group_id == group_id,
            Post.group_id == group_id,
            Post.author_id == author_id,
            Post.local.is_(True),
        )
        .limit(1)
    )
    if banned is not None:
        raise PermissionDenied(BANNED)


async def reveal_author(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> ActorRef:
    """Who wrote the anonymous post ``public_id``: for node admins only, and logged."""
    permissions.require_node_admin(viewer)
    # Whatever group it is in (an admin need not belong to a private one).
    post = await session.scalar(
        select(Post).where(Post.public_id == public_id, Post.anonymous.is_(True))
    )
    if post is None:
        raise NotFound("no such anonymous post")
    await record_action(
        session,
        None,
        ModAction.REVEAL_AUTHOR,
        moderator_id=viewer.actor_id,
        target_uri=post.uri,
        target_post_id=post.id,
        now=now,
    )
    return actor_ref(await session.get_one(Actor, post.author_id))
