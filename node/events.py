"""Recording what must leave the server, in the transaction that caused it.

The domain does not know ActivityPub; it says "this post was created", "this
member asked to follow that one". A consumer (federation's dispatcher) claims
undispatched events in order, turns them into deliveries and marks them
dispatched. Because the event row commits or rolls back with the change, nothing
is sent for a change that did not happen, and nothing that happened is forgotten
across a crash.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.models.events import Event


class EventKind(enum.StrEnum):
    FOLLOW_REQUESTED = "follow.requested"
    FOLLOW_ACCEPTED = "follow.accepted"
    FOLLOW_WITHDRAWN = "follow.withdrawn"
    POST_CREATED = "post.created"
    POST_EDITED = "post.edited"
    POST_DELETED = "post.deleted"
    # A group on another node shared our member's post (subject: the post): it may now
    # reach the author's own followers too.
    POST_SHARED = "post.shared"
    # A group hosted here turned down a post a member of another node sent it, before
    # sharing it (subject: the post): that node is told, so it shows the post to no one.
    POST_DECLINED = "post.declined"
    # A moderator pinned a thread to the top of its group, as an announcement, or unpinned
    # it (subject: the post).
    POST_PINNED = "post.pinned"
    POST_UNPINNED = "post.unpinned"
    # Support sent to a post (subject: the reaction; data: ``activity``, the Like's id when
    # it came from another node) ...
    REACTED = "post.reacted"
    # ... or taken back (subject: the post; data: ``like_uri``, and ``activity``, the Undo's
    # id when it came from another node).
    UNREACTED = "post.unreacted"
    # A moderator removed someone else's post (subject: the post; data: ``reason``): the
    # moderator's act, not the author's.
    POST_REMOVED = "post.removed"
    # ... or restored one it had removed (subject: the post; data: ``reason``).
    POST_RESTORED = "post.restored"
    # A moderator locked a thread of a group hosted here, so it takes no new replies, or
    # unlocked it (subject: the thread's start; data: ``reason``).
    POST_LOCKED = "post.locked"
    POST_UNLOCKED = "post.unlocked"
    # A moderator banned a member from a group hosted here (subject: the membership; data:
    # ``reason``, ``until``) or lifted the ban (subject: the member; data: ``group``, the
    # group's actor id, and ``reason``).
    MEMBER_BANNED = "group.member_banned"
    MEMBER_UNBANNED = "group.member_unbanned"
    # A local member asked to join a group on another node (subject: the membership).
    JOIN_REQUESTED = "group.join_requested"
    # A local member left (or withdrew from) a group on another node (subject: the group).
    JOIN_WITHDRAWN = "group.join_withdrawn"
    # A local group let a member from another node in (subject: the membership) ...
    JOIN_ACCEPTED = "group.join_accepted"
    # ... or turned them down (subject: the group; the member and request in data).
    JOIN_REJECTED = "group.join_rejected"
    # A member reported a post or a member (subject: the report): sent on as a ``Flag``.
    REPORT_FILED = "report.filed"
    # A group hosted here changed what its actor says of it (its crisis resources), so
    # its followers' nodes are sent the actor again (subject: the group's ``groups`` row).
    GROUP_UPDATED = "group.updated"
    # A group hosted here banned the writer of an anonymous post sent by another node
    # (subject: the post): that node is told, by the writer's token only.
    ANONYMOUS_WRITER_BANNED = "group.anonymous_writer_banned"
    # ... or lifted that ban (subject: the post).
    ANONYMOUS_WRITER_UNBANNED = "group.anonymous_writer_unbanned"
    # A one-on-one conversation with a member of another node (``node.conversations``),
    # recorded only when the other member is remote. Our member asked (subject: the
    # conversation; its first message travels with the request) ...
    CONVERSATION_REQUESTED = "conversation.requested"
    # ... our member accepted or declined a request from there (subject: the
    # conversation; a decline says only "not available") ...
    CONVERSATION_ACCEPTED = "conversation.accepted"
    CONVERSATION_DECLINED = "conversation.declined"
    # ... wrote in an accepted one (subject: the message, not message #1) ...
    CONVERSATION_MESSAGE = "conversation.message"
    # ... or ended it (subject: the conversation).
    CONVERSATION_ENDED = "conversation.ended"
    # A member blocked someone on another node (subject: the blocked actor): that
    # person's server is sent the member's ``Block``, as Mastodon does ...
    ACTOR_BLOCKED = "boundary.actor_blocked"
    # ... or unblocked them (subject: the actor; data: ``block_uri``, the Block's id).
    ACTOR_UNBLOCKED = "boundary.actor_unblocked"
    # A meeting of a group hosted here was scheduled, changed (an edit, an occurrence
    # cancelled or moved, or an occurrence over so another is next) or cancelled whole
    # (subject: the meeting; actor: the group): its Event travels through the group.
    MEETING_SCHEDULED = "meeting.scheduled"
    MEETING_CHANGED = "meeting.changed"
    MEETING_CANCELLED = "meeting.cancelled"
    # A person elsewhere who asked to come to one of our meetings (their Join) has a
    # place (subject: the participation) ...
    MEETING_GUEST_ACCEPTED = "meeting.guest_accepted"
    # ... or was turned down (subject: the person's actor; data: ``join``, the Join's
    # id, and ``meeting``, the meeting's id).
    MEETING_GUEST_REJECTED = "meeting.guest_rejected"
    # A member of this node deleted their account (``node.account_deletion``; data:
    # ``audience``, the ids of the actors elsewhere whose nodes may hold its words).
    ACCOUNT_DELETED = "account.deleted"
    # Our member asked to come to a meeting of a group elsewhere (subject: the
    # participation): its group's node is sent a ``Join`` of the Event ...
    MEETING_JOIN_REQUESTED = "meeting.join_requested"
    # ... or no longer comes (subject: the meeting): its node is sent a ``Leave``.
    MEETING_JOIN_WITHDRAWN = "meeting.join_withdrawn"


async def record(
    session: AsyncSession,
    kind: EventKind,
    *,
    actor_id: int,
    subject_id: int | None = None,
    now: datetime,
    **data: Any,
) -> None:
    """Note that ``actor_id`` did ``kind`` to ``subject_id`` (ids of rows in this node)."""
    session.add(
        Event(
            kind=kind.value,
            actor_id=actor_id,
            subject_id=subject_id,
            data=json.dumps(data, separators=(",", ":")),
            created_at=now,
        )
    )


@dataclass(frozen=True)
class PendingEvent:
    """An event not dispatched yet, as its consumer reads it (``data`` decoded)."""

    id: int
    kind: EventKind
    actor_id: int
    subject_id: int | None
    data: dict[str, Any]


async def claim_undispatched(session: AsyncSession, *, limit: int) -> list[PendingEvent]:
    """The oldest ``limit`` events not dispatched yet, in order. On PostgreSQL they stay
    locked until the caller's transaction ends, and other consumers skip them."""
    statement = (
        select(Event.id, Event.kind, Event.actor_id, Event.subject_id, Event.data)
        .where(Event.dispatched_at.is_(None))
        .order_by(Event.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    rows = await session.execute(statement)
    return [
        PendingEvent(event_id, EventKind(kind), actor_id, subject_id, json.loads(data))
        for event_id, kind, actor_id, subject_id, data in rows
    ]


async def mark_dispatched(
    session: AsyncSession, event_ids: Iterable[int], *, now: datetime
) -> None:
    """Note that these events were dispatched (in the transaction that dispatched them)."""
    ids = list(event_ids)
    if ids:
        await session.execute(update(Event).where(Event.id.in_(ids)).values(dispatched_at=now))
