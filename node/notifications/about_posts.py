"""Who is told of a post once others can read it: the author of the post it answers
(``reply``) and the members of this node it names (``mention``), each only if they may
read it themselves. A post waiting for a moderator or for its group elsewhere tells no
one until it is shared, and an anonymous writer is never named.

A local post names a member as ``@name`` or ``@name@this-node``; a post from elsewhere by
a ``Mention`` tag of their actor, or as ``@name@this-node`` in its words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import NotFound
from node.handles import handle_key
from node.kinds import ActorKind, NotificationKind
from node.notifications.recording import notify
from node.posts.visibility import load_post
from node.storage.models.actors import Account, Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import Viewer

_MENTION = re.compile(
    r"(?<![\w@/.+-])@([A-Za-z0-9][A-Za-z0-9_-]{0,29})(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?))?"
)
_TAG = re.compile(r"<[^>]*>")
# Enough for any real post; a post naming more is not a way to reach the whole node.
MENTIONS_MAX = 20


def mentioned_names(text: str) -> list[tuple[str, str | None]]:
    """The ``@name`` and ``@name@domain`` in ``text``, in order, each once."""
    found: dict[tuple[str, str | None], None] = {}
    for match in _MENTION.finditer(text):
        domain = match.group(2)
        found[(handle_key(match.group(1)), domain.casefold() if domain else None)] = None
    return list(found)[:MENTIONS_MAX]


async def _mentioned(session: AsyncSession, post: Post, mentioned_uris: Iterable[str]) -> list[int]:
    """Our members ``post`` names."""
    text = (
        post.source
        if post.local and post.source is not None
        else html.unescape(_TAG.sub(" ", post.content_html))
    )
    names = [
        (name, domain) for name, domain in mentioned_names(text) if post.local or domain is not None
    ]
    conditions = [
        Actor.handle_key == name
        if domain is None
        else ((Actor.handle_key == name) & (Actor.domain == domain))
        for name, domain in names
    ]
    uris = list(mentioned_uris)[:MENTIONS_MAX]
    if uris:
        conditions.append(Actor.uri.in_(uris))
    if not conditions:
        return []
    found = await session.scalars(
        select(Actor.id)
        .where(Actor.local.is_(True), Actor.kind == ActorKind.PERSON, or_(*conditions))
        .order_by(Actor.id)
        .limit(MENTIONS_MAX)
    )
    return list(found)


async def _may_read(session: AsyncSession, actor_id: int, post: Post) -> bool:
    """Whether our member ``actor_id`` may read ``post`` now, as its page would decide."""
    account = await session.scalar(select(Account).where(Account.actor_id == actor_id))
    if account is None:
        return False
    viewer = Viewer(account_id=account.id, actor_id=actor_id, role=account.role)
    try:
        await load_post(session, viewer, post.public_id)
    except NotFound:
        return False
    return True


async def notify_about_post(
    session: AsyncSession, post: Post, *, now: datetime, mentioned_uris: Iterable[str] = ()
) -> None:
    """Tell the parent's author of a reply and the members a post names, now that the
    post is shared (not held, pending, removed or deleted)."""
    if any(
        moment is not None
        for moment in (post.held_at, post.pending_at, post.removed_at, post.deleted_at)
    ):
        return
    group = await session.get_one(Group, post.group_id)
    # An anonymous post here, or one a group elsewhere shares as its own (anonymous there).
    anonymous = post.anonymous or post.author_id == group.actor_id
    told: set[int] = set()
    if post.in_reply_to_id is not None:
        parent = await session.get_one(Post, post.in_reply_to_id)
        if parent.deleted_at is None and await _may_read(session, parent.author_id, post):
            told.add(parent.author_id)
            await notify(
                session,
                parent.author_id,
                NotificationKind.REPLY,
                actor_id=post.author_id,
                anonymous=anonymous,
                post_id=parent.id,
                now=now,
            )
    for member_id in await _mentioned(session, post, mentioned_uris):
        if member_id in told or not await _may_read(session, member_id, post):
            continue
        await notify(
            session,
            member_id,
            NotificationKind.MENTION,
            actor_id=post.author_id,
            anonymous=anonymous,
            post_id=post.id,
            now=now,
        )
