"""Wiping a deleted account's posts and replies, a batch per transaction.

Each is wiped as its author's own deletion wipes it (``posts.writing.wipe``): the text,
title, warning and topics go, a tombstone keeps the thread's shape, and a
``POST_DELETED`` event sends the deletion where the post went (an anonymous post's by
the group or this node, as for any anonymous post). A batch looks only for what is
still to wipe, so batches may be interrupted, repeated or run by two workers at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.events import EventKind
from node.events import record as record_event
from node.posts.writing import wipe
from node.storage.claims import claim_batch
from node.storage.models.actors import Account
from node.storage.models.posts import Post

WIPE_BATCH = 200  # posts wiped per transaction


async def wipe_batch(session: AsyncSession, *, now: datetime, limit: int = WIPE_BATCH) -> int:
    """Wipe up to ``limit`` posts of deleted accounts; how many (fewer than ``limit``: none
    are left). Callers repeat, a transaction each, until it returns less than ``limit``."""
    deleted = select(Account.actor_id).where(Account.deleted_at.is_not(None))
    # Claimed: two workers never wipe, and announce, one post twice.
    batch = await claim_batch(
        session,
        select(Post)
        .where(Post.author_id.in_(deleted), Post.local.is_(True), Post.deleted_at.is_(None))
        .order_by(Post.id)
        .limit(limit),
    )
    for post in batch:
        wipe(post, now)
        if post.held_at is None:  # a held post never left this node
            await record_event(
                session,
                EventKind.POST_DELETED,
                actor_id=post.author_id,
                subject_id=post.id,
                now=now,
            )
    await session.flush()
    return len(batch)
