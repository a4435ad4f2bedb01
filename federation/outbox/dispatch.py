"""Turning the domain's events into activities and deliveries.

The domain records what happened (``node.events``); this claims the events not yet
dispatched, oldest first, hands each to the handler of its kind
(``federation.outbox.handlers``), which builds the activities and queues one
delivery per remote inbox, and marks the events dispatched, all in one
transaction, so an event is dispatched exactly once even with several workers
(each claims a batch with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).

Nothing goes out for a suspended account, not even what it did just before; a deleted
one's deletions still go (``node.account_deletion``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.handlers import (
    accounts,
    anonymous_posts,
    conversations,
    flags,
    follows,
    groups,
    meetings,
    meetings_elsewhere,
    moderation,
    person_blocks,
    pins,
    posts,
    reactions,
)
from node.events import EventKind, PendingEvent, claim_undispatched, mark_dispatched
from node.site import Site
from node.suspensions import silenced_among

BATCH = 100

Handler = Callable[[AsyncSession, Site, PendingEvent, datetime], Awaitable[None]]

HANDLERS: dict[EventKind, Handler] = {
    EventKind.FOLLOW_REQUESTED: follows.send_request,
    EventKind.FOLLOW_ACCEPTED: follows.send_acceptance,
    EventKind.FOLLOW_WITHDRAWN: follows.send_withdrawal,
    EventKind.JOIN_REQUESTED: follows.send_request,
    EventKind.JOIN_ACCEPTED: follows.send_acceptance,
    EventKind.JOIN_WITHDRAWN: follows.send_withdrawal,
    EventKind.JOIN_REJECTED: follows.send_rejection,
    EventKind.POST_CREATED: posts.send_post,
    EventKind.POST_EDITED: posts.send_post,
    EventKind.POST_DELETED: posts.send_post,
    EventKind.POST_SHARED: posts.send_shared,
    EventKind.POST_DECLINED: posts.send_declined,
    EventKind.REACTED: reactions.send_support,
    EventKind.UNREACTED: reactions.send_support_taken_back,
    EventKind.POST_PINNED: pins.send_pin,
    EventKind.POST_UNPINNED: pins.send_pin,
    EventKind.POST_REMOVED: moderation.send_removal,
    EventKind.POST_RESTORED: moderation.send_restoring,
    EventKind.POST_LOCKED: moderation.send_lock,
    EventKind.POST_UNLOCKED: moderation.send_lock,
    EventKind.MEMBER_BANNED: moderation.send_ban,
    EventKind.MEMBER_UNBANNED: moderation.send_unban,
    EventKind.REPORT_FILED: flags.send_flag,
    EventKind.GROUP_UPDATED: groups.send_group_update,
    EventKind.ANONYMOUS_WRITER_BANNED: anonymous_posts.send_writer_ban,
    EventKind.ANONYMOUS_WRITER_UNBANNED: anonymous_posts.send_writer_unban,
    EventKind.CONVERSATION_REQUESTED: conversations.send_request,
    EventKind.CONVERSATION_ACCEPTED: conversations.send_answer,
    EventKind.CONVERSATION_DECLINED: conversations.send_answer,
    EventKind.CONVERSATION_MESSAGE: conversations.send_message,
    EventKind.CONVERSATION_ENDED: conversations.send_end,
    EventKind.ACTOR_BLOCKED: person_blocks.send_block,
    EventKind.ACTOR_UNBLOCKED: person_blocks.send_unblock,
    EventKind.ACCOUNT_DELETED: accounts.send_account_deletion,
    EventKind.MEETING_SCHEDULED: meetings.send_event,
    EventKind.MEETING_CHANGED: meetings.send_event,
    EventKind.MEETING_CANCELLED: meetings.send_event,
    EventKind.MEETING_GUEST_ACCEPTED: meetings.send_guest_accepted,
    EventKind.MEETING_GUEST_REJECTED: meetings.send_guest_rejected,
    EventKind.MEETING_JOIN_REQUESTED: meetings_elsewhere.send_join,
    EventKind.MEETING_JOIN_WITHDRAWN: meetings_elsewhere.send_leave,
}


async def dispatch_once(session: AsyncSession, site: Site, *, now: datetime) -> int:
    """Dispatch one batch of events in the caller's transaction; return how many."""
    events = await claim_undispatched(session, limit=BATCH)
    suspended = await silenced_among(session, {event.actor_id for event in events})
    for event in events:
        handler = HANDLERS.get(event.kind)
        if handler is not None and event.actor_id not in suspended:
            await handler(session, site, event, now)
    await mark_dispatched(session, [event.id for event in events], now=now)
    return len(events)
