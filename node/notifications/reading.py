"""Marking a member's notifications read: one entry (with the unread ones grouped into
it), everything up to a given one, or all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from node.storage.models.notifications import Notification


async def _mark(
    session: AsyncSession, recipient_id: int, condition: ColumnElement[bool], now: datetime
) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.recipient_id == recipient_id, Notification.read_at.is_(None), condition)
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def mark_all_read(session: AsyncSession, recipient_id: int, *, now: datetime) -> int:
    """Every unread notification of ``recipient_id`` (an actor id) is read; how many."""
    return await _mark(session, recipient_id, Notification.id.is_not(None), now)


async def mark_read_up_to(
    session: AsyncSession, recipient_id: int, up_to: int, *, now: datetime
) -> int:
    """Those up to notification ``up_to`` (the newest the member saw) are read."""
    return await _mark(session, recipient_id, Notification.id <= up_to, now)


async def mark_entries_read(
    session: AsyncSession, recipient_id: int, ids: Sequence[int], *, now: datetime
) -> int:
    """The entries ``ids`` name are read: each notification, and the unread ones of its
    kind and subject up to it (an entry groups them). Ids not the member's are ignored."""
    named = (
        await session.execute(
            select(
                Notification.id,
                Notification.kind,
                Notification.anonymous,
                Notification.post_id,
                Notification.group_id,
                Notification.conversation_id,
                Notification.meeting_id,
            ).where(Notification.recipient_id == recipient_id, Notification.id.in_(set(ids)))
        )
    ).all()
    if not named:
        return 0
    return await _mark(
        session,
        recipient_id,
        or_(
            *(
                and_(
                    Notification.id <= row.id,
                    Notification.kind == row.kind,
                    Notification.anonymous == row.anonymous,
                    _same(Notification.post_id, row.post_id),
                    _same(Notification.group_id, row.group_id),
                    _same(Notification.conversation_id, row.conversation_id),
                    _same(Notification.meeting_id, row.meeting_id),
                )
                for row in named
            )
        ),
        now,
    )


async def mark_conversation_read(
    session: AsyncSession, recipient_id: int, conversation_id: int, *, now: datetime
) -> int:
    """The member read the conversation: what told them of it is read too."""
    return await _mark(session, recipient_id, Notification.conversation_id == conversation_id, now)


def _same(column: InstrumentedAttribute[int | None], value: int | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value
