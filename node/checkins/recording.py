"""A member's own check-ins: recording one, reading them (newest first, or as points
for the chart), deleting one.

Every reader here finds only the viewer's own check-ins: for anyone else, node staff
included, a check-in does not exist (``NotFound``). Nothing here records an event:
a check-in never leaves the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.checkins.scale import parse_scale
from node.crisis.drafts import draft_looks_like_crisis
from node.errors import InvalidInput, NotFound
from node.handles import check_length
from node.ids import new_public_id
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.storage.models.actors import Actor
from node.storage.models.checkins import CheckIn
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import Viewer

WORDS_MAX = 5
WORD_MAX = 40
NOTE_MAX = 2000
HISTORY_DAYS = (30, 90)
# The chart shows a point per check-in: more than a few a day is more than it can show.
HISTORY_POINTS_MAX = 500
NOT_FOUND = "no such check-in of yours"


@dataclass(frozen=True)
class CheckInView:
    public_id: str
    scale: int
    words: tuple[str, ...]
    note: str
    created_at: datetime
    # The post it became, while that post is there (its id), and the group's name.
    shared_post: str | None = None
    shared_group: str | None = None


@dataclass(frozen=True)
class Recorded:
    check_in: CheckInView
    # Its words sounded like a crisis (``node.crisis.drafts``): offer the resources. Only
    # this yes or no is kept from the comparison.
    crisis_prompt: bool


@dataclass(frozen=True)
class HistoryPoint:
    created_at: datetime
    scale: int


def clean_words(words: Sequence[str]) -> tuple[str, ...]:
    """A few short feeling words, trimmed, empty ones dropped, each said once."""
    cleaned = [" ".join(word.split()) for word in words]
    kept = tuple(dict.fromkeys(word for word in cleaned if word))
    if len(kept) > WORDS_MAX:
        raise InvalidInput(f"at most {WORDS_MAX} words", field="words")
    for word in kept:
        check_length(word, WORD_MAX, "words")
    return kept


def words_of(check_in: CheckIn) -> tuple[str, ...]:
    return tuple(word for word in check_in.words.split("\n") if word)


def _view(check_in: CheckIn, post_id: str | None = None, group: str | None = None) -> CheckInView:
    return CheckInView(
        public_id=check_in.public_id,
        scale=check_in.scale,
        words=words_of(check_in),
        note=check_in.note,
        created_at=check_in.created_at,
        shared_post=post_id,
        shared_group=group,
    )


async def record_check_in(
    session: AsyncSession,
    viewer: Viewer,
    *,
    scale: int,
    words: Sequence[str] = (),
    note: str = "",
    now: datetime,
) -> Recorded:
    """Note how the member is, for them alone."""
    kept = clean_words(words)
    check_in = CheckIn(
        public_id=new_public_id(now),
        owner_id=viewer.actor_id,
        scale=int(parse_scale(scale)),
        words="\n".join(kept),
        note=check_length(note.strip(), NOTE_MAX, "note"),
        created_at=now,
    )
    session.add(check_in)
    await session.flush()
    prompt = await draft_looks_like_crisis(session, *kept, check_in.note)
    return Recorded(_view(check_in), crisis_prompt=prompt)


async def load_own(session: AsyncSession, viewer: Viewer, public_id: str) -> CheckIn:
    """The viewer's check-in row; ``NotFound`` for anyone else's."""
    check_in = await session.scalar(
        select(CheckIn).where(CheckIn.public_id == public_id, CheckIn.owner_id == viewer.actor_id)
    )
    if check_in is None:
        raise NotFound(NOT_FOUND)
    return check_in


_SHARED = (
    select(CheckIn, Post.public_id, Actor.handle, Actor.domain)
    .outerjoin(Post, and_(Post.id == CheckIn.shared_post_id, Post.deleted_at.is_(None)))
    .outerjoin(Group, Group.id == Post.group_id)
    .outerjoin(Actor, Actor.id == Group.actor_id)
)


def _shared_view(
    check_in: CheckIn, post: str | None, handle: str | None, domain: str | None
) -> CheckInView:
    return _view(check_in, post, None if handle is None else f"{handle}@{domain}")


async def get_check_in(session: AsyncSession, viewer: Viewer, public_id: str) -> CheckInView:
    """One of the viewer's check-ins."""
    row = (
        await session.execute(
            _SHARED.where(CheckIn.public_id == public_id, CheckIn.owner_id == viewer.actor_id)
        )
    ).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return _shared_view(*row)


async def list_check_ins(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None = None, limit: int | None = None
) -> Page[CheckInView]:
    """The viewer's check-ins, newest first."""
    size = check_limit(limit)
    query = _SHARED.where(CheckIn.owner_id == viewer.actor_id)
    if cursor is not None:
        at, row_id = decode_cursor(cursor, datetime, int)
        assert isinstance(at, datetime)
        assert isinstance(row_id, int)
        query = query.where(
            or_(CheckIn.created_at < at, and_(CheckIn.created_at == at, CheckIn.id < row_id))
        )
    rows = (
        await session.execute(
            query.order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(size + 1)
        )
    ).all()
    items = [_shared_view(*row) for row in rows[:size]]
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1][0]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(items, next_cursor)


async def history(
    session: AsyncSession, viewer: Viewer, *, days: int, now: datetime
) -> list[HistoryPoint]:
    """The viewer's check-ins of the last ``days`` days (30 or 90), oldest first."""
    if days not in HISTORY_DAYS:
        raise InvalidInput("show the last 30 or 90 days", field="days")
    rows = await session.execute(
        select(CheckIn.created_at, CheckIn.scale)
        .where(CheckIn.owner_id == viewer.actor_id, CheckIn.created_at > now - timedelta(days=days))
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(HISTORY_POINTS_MAX)
    )
    return [HistoryPoint(at, scale) for at, scale in reversed(rows.all())]


async def delete_check_in(session: AsyncSession, viewer: Viewer, public_id: str) -> None:
    """Delete one of the viewer's check-ins. A post that shared it stays: the member
    deletes that as any post."""
    await session.delete(await load_own(session, viewer, public_id))
    await session.flush()
