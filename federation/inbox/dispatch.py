"""Which handler takes which activity, and the rules every activity is held to first.

An activity may only speak for its own actor; each handler checks what that means for
its family (``federation.inbox.handlers``). An account's ``Delete`` of itself is
believed as ``federation.inbox.account_deletion`` says, and is the only ``Delete`` of
an account followed; nothing but Deletes is taken from an account after it (the inbox
refuses them already; these reach us through a group, or through another process that
still held its key). Here the payload is read (``federation.protocol.readings``): what
reaches a handler is the reading; a kind of object or activity the readings refuse by
name is ignored, and so is what they cannot read in an activity whose handler only
looks up what it names (``_BY_ID``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.account_deletion import is_account_delete
from federation.inbox.handlers import (
    accounts,
    conversations,
    flags,
    follows,
    group_answers,
    meetings,
    meetings_elsewhere,
    moderation,
    pins,
    posts,
    reactions,
)
from federation.inbox.prepared import Ignored, Prepared
from federation.protocol.event_readings import EventReading
from federation.protocol.readings import ActivityReading, Unsupported, read_activity
from federation.protocol.vocab import Malformed, type_of
from federation.remote.actors import account_deleted
from node.errors import PermissionDenied

Handler = Callable[[Federation, AsyncSession, ActivityReading, str | None], Awaitable[None]]


async def on_undo(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """An ``Undo``, handled with the activity it undoes."""
    undone = activity.object
    if isinstance(undone, str):  # named by its id alone: only a Like we hold can be
        await reactions.on_undo_like(fed, session, activity, via)
        return
    kind = undone.type if isinstance(undone, ActivityReading) else None
    handler = UNDONE.get(kind) if kind is not None else None
    if handler is None:
        raise Ignored(f"undoing {kind or 'a referenced activity'} is not handled yet")
    await handler(fed, session, activity, via)


async def on_leave(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A ``Leave``: of one of our meetings (Mobilizon's), or of a conversation."""
    if meetings.names_our_meeting(fed, activity):
        await meetings.on_leave(fed, session, activity, via)
        return
    await conversations.on_leave(fed, session, activity, via)


async def on_answer(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """An ``Accept`` or ``Reject``: of our member's request to talk, or of a follow or join."""
    if await conversations.answered_request(session, activity):
        await conversations.on_answer(fed, session, activity, via)
        return
    if await meetings_elsewhere.answered_join(session, activity):
        await meetings_elsewhere.on_answer(fed, session, activity, via)
        return
    await follows.on_answer(fed, session, activity, via)


async def on_create_or_update(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A ``Create`` or ``Update``: of an Event (a meeting elsewhere), or of a post or actor."""
    if isinstance(activity.object, EventReading):
        await meetings_elsewhere.on_event(fed, session, activity, via)
        return
    await posts.on_create_or_update(fed, session, activity, via)


async def on_delete(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A ``Delete``: of a meeting elsewhere we hold, or of a post."""
    if not await meetings_elsewhere.on_delete(fed, session, activity, via):
        await posts.on_delete(fed, session, activity, via)


HANDLERS: dict[str, Handler] = {
    "Follow": follows.on_follow,
    "Accept": on_answer,
    "Reject": on_answer,
    "Undo": on_undo,
    "Create": on_create_or_update,
    "Update": on_create_or_update,
    "Delete": on_delete,
    "Like": reactions.on_like,
    "Dislike": reactions.on_dislike,
    "Add": pins.on_add_or_remove,
    "Block": moderation.on_block,
    "Remove": pins.on_add_or_remove,
    "Flag": flags.on_flag,
    "Lock": moderation.on_lock,
    "Leave": on_leave,
    "Join": meetings.on_join,
}

# By the type of the activity undone.
UNDONE: dict[str, Handler] = {
    "Block": moderation.on_undo_block,
    "Lock": moderation.on_unlock,
    "Delete": moderation.on_undo_removal,
    "Like": reactions.on_undo_like,
    "Dislike": reactions.on_undo_like,
    "Follow": follows.on_undo_follow,
}


# Handlers that only look up what their activity names, by id: what the readings cannot
# read in such an activity names nothing we hold, and is ignored. Where a handler acts on
# what is embedded (a post, an actor, a report), a malformed one is refused.
_BY_ID = frozenset(HANDLERS) - {"Create", "Update", "Flag"}


def _read(activity: dict[str, Any], kind: str) -> ActivityReading:
    try:
        return read_activity(activity)
    except Unsupported as exc:
        raise Ignored(str(exc)) from None
    except Malformed as exc:
        if kind in _BY_ID:
            raise Ignored(f"it names nothing we hold ({exc})") from None
        if kind in {"Create", "Update"} and not isinstance(activity.get("object"), dict):
            raise Ignored(posts.NOT_EMBEDDED) from None
        raise


async def process(fed: Federation, session: AsyncSession, prepared: Prepared) -> None:
    """Handle a prepared activity in the caller's transaction."""
    activity = prepared.activity
    if prepared.ours is not None and prepared.via is not None:
        await group_answers.on_shared_back(fed, session, prepared.via, prepared.ours)
        return
    if is_account_delete(activity):
        reading = _read(activity, "Delete")
        await accounts.on_account_delete(fed, session, reading, vouched=prepared.vouched)
        return
    kind = type_of(activity)
    handler = HANDLERS.get(kind)
    if handler is None:
        raise Ignored(f"{activity.get('type')} activities are not handled yet")
    if kind != "Delete" and await account_deleted(session, activity["actor"]):
        raise PermissionDenied(f"{activity['actor']} deleted its account")
    await handler(fed, session, _read(activity, kind), prepared.via)
