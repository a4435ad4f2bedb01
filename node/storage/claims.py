"""Claiming a batch of rows that several workers may be after at once.

On PostgreSQL the rows are selected ``FOR UPDATE SKIP LOCKED``: they stay locked until
the claiming transaction ends, and a second worker passes over them to the next ones,
so no row is handled, or announced, twice. SQLite has no row locks and needs none: its
writers take turns at the whole database (``BEGIN IMMEDIATE``, ``engine.py``), so
there the rows are simply selected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def claim_batch(session: AsyncSession, statement: Select[T]) -> Sequence[T]:
    """The rows ``statement`` selects (with its order and limit), claimed for this
    transaction."""
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return (await session.scalars(statement)).all()
