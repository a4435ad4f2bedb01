"""Support: a member sends a supportive reaction to a post, or takes it back (the only
reaction there is: no dislikes in peer support)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.events import EventKind
from node.events import record as record_event
from node.kinds import ReactionKind
from node.posts.visibility import load_post, views_of
from node.posts.writing import refuse_if_gone
from node.reactions import add_support
from node.storage.models.posts import Reaction
from node.views import PostView, Viewer


async def set_support(
    session: AsyncSession, viewer: Viewer, public_id: str, *, on: bool, now: datetime
) -> PostView:
    """Send (or take back) a supportive reaction. Idempotent either way; a change is
    recorded for federation (the group shares it with its members on other nodes)."""
    post, record = await load_post(session, viewer, public_id)
    permissions.require_can_react(record.membership)
    refuse_if_gone(post)
    existing = await session.scalar(
        select(Reaction).where(
            Reaction.post_id == post.id,
            Reaction.actor_id == viewer.actor_id,
            Reaction.kind == ReactionKind.SUPPORT,
        )
    )
    if on and existing is None:
        reaction = await add_support(session, post, viewer.actor_id, activity_uri=None, now=now)
        if reaction is not None:
            await record_event(
                session,
                EventKind.REACTED,
                actor_id=viewer.actor_id,
                subject_id=reaction.id,
                now=now,
            )
    elif not on and existing is not None:
        like_uri = existing.activity_uri
        await session.delete(existing)
        await session.flush()
        await record_event(
            session,
            EventKind.UNREACTED,
            actor_id=viewer.actor_id,
            subject_id=post.id,
            now=now,
            like_uri=like_uri,
        )
    return (await views_of(session, viewer, [post]))[0]
