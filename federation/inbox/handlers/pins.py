"""Pinned threads of a group elsewhere: its ``Add`` to and ``Remove`` from ``featured``.

Said by the group itself, or by one of its moderators and announced by the group
(Lemmy's shape). Only changes to the group's own ``featured`` collection (Lemmy,
Kinfolk; Mbin calls it ``pinned``) are followed; adding a moderator, say, is not.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.prepared import Ignored
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import Malformed, same_origin
from node.federated import group_decisions
from node.federated.actors import actor_named, group_of


def check_pinned_in(target: str | None, group_uri: str) -> None:
    """Refuse a change to anything but the group's own pinned threads."""
    if target is None or not same_origin(target, group_uri):
        raise Malformed("a group can only change its own collections")
    if target.rstrip("/").rsplit("/", 1)[-1] not in {"featured", "pinned"}:
        raise Ignored(f"changes to {target} are not followed (only pinned threads are)")


async def on_add_or_remove(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A group elsewhere pinned (``Add``) or unpinned (``Remove``) a thread."""
    group_actor = await actor_named(session, via or activity.actor)
    if group_actor is None or not group_actor.is_group or group_actor.local:
        raise Ignored("pins reach us from the group they are made in")
    check_pinned_in(activity.target, group_actor.uri)
    group = await group_of(session, group_actor)
    pinned = activity.type == "Add"
    if group is None or not await group_decisions.thread_pinned(
        session, group, activity.object_id, pinned=pinned, now=fed.clock()
    ):
        raise Ignored("we hold no thread by that id in that group")
