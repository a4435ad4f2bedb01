"""A member of another node deleted their account: what this node lets go of.

Their node says so once, with a ``Delete`` of the account itself (Mastodon, Lemmy,
Mbin); federation checks that it is true, marks the account as gone and then asks
this module to let go of it (``federation.inbox.account_deletion``):

- ``cut_ties``: their memberships of groups (approved, and requests still pending)
  and their follows, either way, end, and their support of posts is taken back,
  without a word to anyone: the account is gone, and a group simply has one member
  less. A ban stays, as the moderators' record; so do the reports about the account
  and those it made (a report's reporter is shown to node staff only), and the
  moderation log.
- ``wipe_posts``: their posts and replies, in every group we hold them in (ours, and
  our copies of groups elsewhere), are wiped as their own deletion of each would wipe
  it (``posts.remote_posts.wipe_remote_post``): a tombstone keeps the replies of
  others in place, and a group hosted here announces each deletion to its members'
  nodes. One bounded batch per call, so an account with thousands of posts is
  wiped in short transactions, never all loaded at once.

The actor row itself stays: tombstones, reports and the log still name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Delete, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import PermissionDenied
from node.kinds import MembershipState
from node.posts import remote_posts
from node.storage.claims import claim_batch
from node.storage.models.actors import Actor, Follow
from node.storage.models.groups import Membership
from node.storage.models.posts import Post, Reaction


@dataclass(frozen=True)
class LetGo:
    """What ``cut_ties`` ended, for the log line."""

    memberships: int
    join_requests: int
    follows: int
    reactions: int


def _remote(actor: Actor) -> None:
    if actor.local:
        raise PermissionDenied(f"{actor.uri} is an account of this node")


async def _deleted(session: AsyncSession, statement: Delete) -> int:
    """Run a bulk DELETE (no rows loaded); how many rows it removed."""
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def cut_ties(session: AsyncSession, actor: Actor) -> LetGo:
    """End the memberships (bans stay), join requests, follows and support of an account
    elsewhere that deleted itself. Idempotent; announces nothing."""
    _remote(actor)
    rows = await session.execute(
        select(Membership.state, func.count())
        .where(Membership.member_id == actor.id, Membership.state != MembershipState.BANNED)
        .group_by(Membership.state)
    )
    counts = {state: count for state, count in rows}
    await _deleted(
        session,
        delete(Membership).where(
            Membership.member_id == actor.id, Membership.state != MembershipState.BANNED
        ),
    )
    follows = await _deleted(
        session,
        delete(Follow).where(or_(Follow.follower_id == actor.id, Follow.followee_id == actor.id)),
    )
    reactions = await _deleted(session, delete(Reaction).where(Reaction.actor_id == actor.id))
    return LetGo(
        memberships=counts.get(MembershipState.APPROVED, 0),
        join_requests=counts.get(MembershipState.PENDING, 0),
        follows=follows,
        reactions=reactions,
    )


async def wipe_posts(session: AsyncSession, actor: Actor, *, limit: int, now: datetime) -> int:
    """Wipe up to ``limit`` of the posts and replies of an account elsewhere that deleted
    itself; how many (fewer than ``limit``: none are left). Callers repeat, a transaction
    each, until it returns less than ``limit``."""
    _remote(actor)
    # Claimed: two workers on one account (a lease run out) never wipe, and announce, one
    # post twice.
    batch = await claim_batch(
        session,
        select(Post)
        .where(Post.author_id == actor.id, Post.local.is_(False), Post.deleted_at.is_(None))
        .order_by(Post.id)
        .limit(limit),
    )
    for post in batch:
        await remote_posts.wipe_remote_post(session, post, now=now)
    await session.flush()
    return len(batch)
