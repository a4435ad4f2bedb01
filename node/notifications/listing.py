"""A member's notifications, newest first, grouped and calm.

Unread notifications of one kind about one subject are one entry ("3 new replies to
…"); read ones are listed one by one. Both are paged together by the newest time and id
of each entry (a keyset cursor, as ``node.pagination`` describes): each page takes the
next entries of the two streams and merges them. During quiet hours, what arrived since
the window began is not listed: it waits, and is there once the window ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from node.actors import actor_ref
from node.kinds import NotificationKind
from node.notifications.counts import shown_to
from node.notifications.quiet import quiet_hours_of, quiet_since
from node.notifications.views import MeetingSubject, NotificationEntry, PostSubject
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.storage.models.actors import Actor
from node.storage.models.conversations import Conversation
from node.storage.models.groups import Group
from node.storage.models.meetings import Meeting
from node.storage.models.notifications import Notification
from node.storage.models.posts import Post
from node.views import Viewer


@dataclass(frozen=True)
class _Row:
    id: int
    kind: NotificationKind
    size: int
    newest_at: datetime
    read: bool
    actor_id: int | None
    anonymous: bool
    post_id: int | None
    group_id: int | None
    conversation_id: int | None
    meeting_id: int | None
    reason: str


def _before(
    at: datetime,
    row_id: int,
    moment: ColumnElement[datetime] | InstrumentedAttribute[datetime],
    ids: ColumnElement[int] | InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    return or_(moment < at, and_(moment == at, ids < row_id))


async def _unread_groups(
    session: AsyncSession,
    shown: ColumnElement[bool],
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[_Row]:
    grouped = (
        select(
            func.max(Notification.id).label("id"),
            Notification.kind,
            func.count(Notification.id).label("size"),
            func.max(Notification.created_at).label("newest_at"),
            func.max(Notification.actor_id).label("actor_id"),
            func.min(Notification.actor_id).label("first_actor_id"),
            func.max(Notification.reason).label("reason"),
            Notification.anonymous,
            Notification.post_id,
            Notification.group_id,
            Notification.conversation_id,
            Notification.meeting_id,
        )
        .where(shown, Notification.read_at.is_(None))
        .group_by(
            Notification.kind,
            Notification.anonymous,
            Notification.post_id,
            Notification.group_id,
            Notification.conversation_id,
            Notification.meeting_id,
        )
        .subquery()
    )
    statement = select(grouped)
    if after is not None:
        statement = statement.where(_before(*after, grouped.c.newest_at, grouped.c.id))
    statement = statement.order_by(grouped.c.newest_at.desc(), grouped.c.id.desc()).limit(limit)
    return [
        _Row(
            id=row.id,
            kind=NotificationKind(row.kind),
            size=row.size,
            newest_at=row.newest_at,
            read=False,
            # Named only when one person did all of it (messages in one conversation).
            actor_id=row.actor_id if row.actor_id == row.first_actor_id else None,
            anonymous=row.anonymous,
            post_id=row.post_id,
            group_id=row.group_id,
            conversation_id=row.conversation_id,
            meeting_id=row.meeting_id,
            reason=row.reason if row.size == 1 else "",
        )
        for row in await session.execute(statement)
    ]


async def _read_ones(
    session: AsyncSession,
    shown: ColumnElement[bool],
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[_Row]:
    statement = select(Notification).where(shown, Notification.read_at.is_not(None))
    if after is not None:
        statement = statement.where(_before(*after, Notification.created_at, Notification.id))
    statement = statement.order_by(Notification.created_at.desc(), Notification.id.desc())
    return [
        _Row(
            id=row.id,
            kind=row.kind,
            size=1,
            newest_at=row.created_at,
            read=True,
            actor_id=row.actor_id,
            anonymous=row.anonymous,
            post_id=row.post_id,
            group_id=row.group_id,
            conversation_id=row.conversation_id,
            meeting_id=row.meeting_id,
            reason=row.reason,
        )
        for row in await session.scalars(statement.limit(limit))
    ]


async def notifications_of(
    session: AsyncSession,
    viewer: Viewer,
    cursor: str | None = None,
    *,
    limit: int | None = None,
    now: datetime,
) -> Page[NotificationEntry]:
    """The viewer's notifications, newest first: unread ones grouped by kind and subject."""
    limit = check_limit(limit)
    shown = shown_to(viewer.actor_id)
    since = quiet_since(await quiet_hours_of(session, viewer.account_id), now)
    if since is not None:
        shown = and_(shown, Notification.created_at < since)
    after = None
    if cursor:
        at, row_id = decode_cursor(cursor, datetime, int)
        after = (cast(datetime, at), cast(int, row_id))
    rows = await _unread_groups(session, shown, after, limit + 1)
    rows += await _read_ones(session, shown, after, limit + 1)
    rows.sort(key=lambda row: (row.newest_at, row.id), reverse=True)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].newest_at, rows[-1].id)
    return Page(items=await _entries(session, viewer, rows), next_cursor=next_cursor)


def _shown_title(post: Post, viewer: Viewer) -> str | None:
    """A thread's title, unless moderators removed the thread since (then only its author
    still reads it, as on its page)."""
    if post.removed_at is not None and post.author_id != viewer.actor_id:
        return None
    return post.title


async def _entries(
    session: AsyncSession, viewer: Viewer, rows: list[_Row]
) -> list[NotificationEntry]:
    posts = {
        post.id: post
        for post in await session.scalars(
            select(Post).where(Post.id.in_({row.post_id for row in rows if row.post_id}))
        )
    }
    threads = {
        post.id: _shown_title(post, viewer)
        for post in await session.scalars(
            select(Post).where(
                Post.id.in_({post.thread_id for post in posts.values() if post.thread_id})
            )
        )
    }
    group_ids = {row.group_id for row in rows if row.group_id} | {
        post.group_id for post in posts.values()
    }
    groups = {
        group.id: actor
        for group, actor in await session.execute(
            select(Group, Actor)
            .join(Actor, Actor.id == Group.actor_id)
            .where(Group.id.in_(group_ids))
        )
    }
    actors = {
        actor.id: actor
        for actor in await session.scalars(
            select(Actor).where(Actor.id.in_({row.actor_id for row in rows if row.actor_id}))
        )
    }
    conversation_ids = {row.conversation_id for row in rows if row.conversation_id}
    conversations: dict[int, str] = {
        conversation_id: public_id
        for conversation_id, public_id in await session.execute(
            select(Conversation.id, Conversation.public_id).where(
                Conversation.id.in_(conversation_ids)
            )
        )
    }
    meetings: dict[int, MeetingSubject] = {
        meeting_id: MeetingSubject(public_id, title)
        for meeting_id, public_id, title in await session.execute(
            select(Meeting.id, Meeting.public_id, Meeting.title).where(
                Meeting.id.in_({row.meeting_id for row in rows if row.meeting_id})
            )
        )
    }
    entries = []
    for row in rows:
        post = posts.get(row.post_id) if row.post_id else None
        subject = None
        if post is not None:
            title = (
                _shown_title(post, viewer)
                if post.thread_id is None
                else threads.get(post.thread_id)
            )
            subject = PostSubject(post.public_id, title, actor_ref(groups[post.group_id]))
        actor = actors.get(row.actor_id) if row.actor_id else None
        entries.append(
            NotificationEntry(
                id=row.id,
                kind=row.kind,
                count=row.size,
                newest_at=row.newest_at,
                read=row.read,
                actor=None if actor is None else actor_ref(actor),
                anonymous=row.anonymous,
                post=subject,
                group=actor_ref(groups[row.group_id]) if row.group_id else None,
                conversation_id=conversations.get(row.conversation_id)
                if row.conversation_id
                else None,
                reason=row.reason,
                meeting=meetings.get(row.meeting_id) if row.meeting_id else None,
            )
        )
    return entries
