"""Counts about the node as a whole, for NodeInfo and the admin pages.

Activity is measured by posting: a member who only reads leaves no trace here,
which is the point. Posts are counted only where anyone may read them
(``node.posts.reading.count_public_local_posts``): a count that moved with every post in a
private group would tell whoever polls it that the group is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.posts import anonymity
from node.posts.reading import count_public_local_posts
from node.storage.models.actors import Account
from node.storage.models.posts import Post


@dataclass(frozen=True)
class NodeStats:
    members: int
    active_month: int
    active_halfyear: int
    local_posts: int


async def node_stats(session: AsyncSession, *, now: datetime) -> NodeStats:
    # A deleted account is no member any more (its row stays only to keep its name).
    counted = select(func.count()).select_from(Account).where(Account.deleted_at.is_(None))
    members = await session.scalar(counted) or 0

    async def active_since(since: datetime) -> int:
        statement = select(func.count(func.distinct(Post.author_id))).where(
            Post.local.is_(True), Post.published_at >= since, anonymity.counted_as_activity()
        )
        return await session.scalar(statement) or 0

    return NodeStats(
        members=members,
        active_month=await active_since(now - timedelta(days=30)),
        active_halfyear=await active_since(now - timedelta(days=180)),
        local_posts=await count_public_local_posts(session),
    )
