"""What a group elsewhere's moderators do: remove and restore posts, lock threads, ban.

A moderator's removal (a ``Delete`` by someone other than the post's author, Lemmy's
shape) and its ``Undo`` (a restoring), a thread's ``Lock`` and its ``Undo``, and a
ban (``Block`` with the group as ``target``, and its ``Undo``) are taken on the word
of the group that announces them (or says them itself), for its own posts and
members only: the group's node is where the group is moderated. An author's own
deletion cannot be undone: its text is wiped. Which of these a group may announce at
all is checked as the ``Announce`` is unwrapped (``federation.inbox.announces``).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers import anonymous_posts, person_blocks
from federation.inbox.handlers.lookups import local_actor
from federation.inbox.prepared import Ignored
from federation.protocol.anonymous_posts import is_token
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import same_origin
from node.federated import group_decisions
from node.federated.actors import KnownActor, KnownGroup, actor_named, group_of

log = logging.getLogger("kinfolk.processing")


def is_removal(delete: ActivityReading) -> bool:
    """A ``Delete`` by someone other than the object's author (whose server would be the
    object's): a moderator's removal, as Lemmy sends it."""
    return delete.type == "Delete" and not same_origin(delete.actor, delete.object_id)


async def _moderating_group(session: AsyncSession, actor_uri: str, via: str | None) -> KnownGroup:
    """The group elsewhere whose moderators' act this is: the group announcing it, or the
    group itself saying it. Its node moderates it, so it is taken on the group's word."""
    group_actor = await actor_named(session, via or actor_uri)
    if group_actor is None or not group_actor.is_group or group_actor.local:
        raise Ignored("moderators' acts reach us from the group they are made in")
    group = await group_of(session, group_actor)
    if group is None:
        raise Ignored(f"{group_actor.uri} is not a group here")
    return group


# --- removals ---------------------------------------------------------------------------


async def on_removal(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str
) -> None:
    """A moderator's removal, announced by the group: its node moderates the group."""
    group_actor = await actor_named(session, via)
    if group_actor is None:
        raise Ignored(f"{via} could not be looked up")
    group = await group_of(session, group_actor)
    target = activity.object_id
    if group is None or not await group_decisions.post_removed(
        session, group, target, reason=activity.summary, now=fed.clock()
    ):
        raise Ignored("we hold no post by that id in that group")
    log.info("%s removed %s from %s", activity.actor, target, via)


async def on_undo_removal(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A group elsewhere restored a post its moderator had removed (Lemmy's ``Undo`` of the
    moderator's ``Delete``)."""
    delete = activity.object
    assert isinstance(delete, ActivityReading)  # routed here by the Delete it undoes
    if via is None or not is_removal(delete):
        raise Ignored("a deleted post does not come back (its text was wiped)")
    group = await _moderating_group(session, activity.actor, via)
    target = delete.object_id
    if not await group_decisions.post_restored(
        session, group, target, reason=activity.summary, now=fed.clock()
    ):
        raise Ignored("we hold no post by that id in that group")
    log.info("%s restored %s in %s", activity.actor, target, via)


# --- locks ------------------------------------------------------------------------------


async def _set_lock(
    fed: Federation,
    session: AsyncSession,
    lock: ActivityReading,
    via: str | None,
    *,
    locked: bool,
) -> None:
    group = await _moderating_group(session, lock.actor, via)
    if not await group_decisions.thread_locked(
        session, group, lock.object_id, locked=locked, reason=lock.summary, now=fed.clock()
    ):
        # Lemmy also locks single comments; threads are what lock here.
        raise Ignored("we hold no thread by that id in that group")


async def on_lock(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A group elsewhere locked a thread (Lemmy's ``Lock`` by a moderator, announced by the
    group): this node refuses its members' replies to it from now on."""
    await _set_lock(fed, session, activity, via, locked=True)


async def on_unlock(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """The ``Undo`` of a ``Lock``: the thread takes replies again."""
    lock = activity.object
    assert isinstance(lock, ActivityReading)  # routed here by the Lock it undoes
    await _set_lock(fed, session, lock, via, locked=False)


# --- bans -------------------------------------------------------------------------------


async def _ban_parts(
    session: AsyncSession, block: ActivityReading, via: str | None, actor_uri: str
) -> tuple[KnownGroup, KnownActor]:
    """The group a ban is from (said by the group, or announced by it) and our member."""
    group_actor = await actor_named(session, via or actor_uri)
    if group_actor is None or not group_actor.is_group or group_actor.local:
        raise Ignored("bans reach us from the group they are made in")
    if block.target != group_actor.uri:
        raise Ignored("only bans from a group are followed (not a person's blocks)")
    group = await group_of(session, group_actor)
    if group is None:
        raise Ignored(f"{group_actor.uri} is not a group here")
    return group, await local_actor(session, block.object_id)


async def on_block(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A group elsewhere banned one of our members (Lemmy's ``Block`` with ``target``), or
    the writer of our anonymous posts sent to it with a token (``handlers.anonymous_posts``);
    without ``target``, someone elsewhere blocked one of our members
    (``handlers.person_blocks``)."""
    if is_token(activity.object_id):
        await anonymous_posts.on_writer_ban(fed, session, activity, via)
        return
    if person_blocks.is_person_block(activity, via):
        await person_blocks.on_block(fed, session, activity, via)
        return
    group, member = await _ban_parts(session, activity, via, activity.actor)
    await group_decisions.member_banned(
        session, group, member, until=activity.expires, reason=activity.summary, now=fed.clock()
    )
    log.info("%s is banned from %s", member.uri, via or activity.actor)


async def on_undo_block(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    block = activity.object
    assert isinstance(block, ActivityReading)  # routed here by the Block it undoes
    if is_token(block.object_id):
        await anonymous_posts.on_writer_unban(fed, session, activity, via)
        return
    if person_blocks.is_person_block(block, via):
        await person_blocks.on_undo_block(fed, session, activity, via)
        return
    group, member = await _ban_parts(session, block, via, activity.actor)
    if not await group_decisions.member_unbanned(session, group, member):
        raise Ignored("it lifts no ban we know of")
