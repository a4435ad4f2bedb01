"""What every ``kinfolk`` command shares: its shape, how it says it cannot run, and
how it opens the node.

A command that works on the node's data first checks that the schema is up to
date and that the database belongs to the configured base URL (``node.base_url``),
then runs in one transaction: it is done whole or not at all.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from node.base_url import BaseUrlMismatch, check_base_url
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.migrate import pending_revisions
from web.config import Settings

Command = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]


class UsageError(Exception):
    """The command cannot run as asked; the message says what to do instead."""


@dataclass
class Node:
    """What a one-shot command needs: a transaction and the node's identity."""

    settings: Settings
    session: AsyncSession
    site: Site
    now: datetime


def _mismatch(exc: BaseUrlMismatch) -> UsageError:
    return UsageError(
        f"this database belongs to {exc.remembered}, but this command is configured for "
        f"{exc.configured} (KINFOLK_BASE_URL, or base_url in kinfolk.toml). Every member, "
        f"group and post in it is named under {exc.remembered}, and other servers know them "
        f"by those names.\n"
        f"- Same node? Run with KINFOLK_BASE_URL={exc.remembered}, as the server has it.\n"
        f"- Moving the node to {exc.configured} on purpose? Run 'kinfolk base-url set "
        f"{exc.configured} --i-know' (what exists keeps its ids under {exc.remembered})."
    )


async def refuse_another_base_url(engine: AsyncEngine, settings: Settings) -> None:
    """Refuse a database that belongs to another base URL (node.base_url)."""
    mismatch = None
    async with create_sessionmaker(engine).begin() as session:
        try:
            await check_base_url(session, settings.base_url, now=datetime.now(UTC))
        except BaseUrlMismatch as exc:
            mismatch = exc  # raised once the remembered URL, if just adopted, is committed
    if mismatch is not None:
        raise _mismatch(mismatch)


async def refuse_pending_migrations(engine: AsyncEngine) -> None:
    """Refuse a database whose schema is behind this code's."""
    if await pending_revisions(engine):
        raise UsageError("the database schema is not up to date: run 'kinfolk migrate' first")


async def check_database(engine: AsyncEngine, settings: Settings) -> None:
    """What every command that works on the node's data checks first."""
    await refuse_pending_migrations(engine)
    await refuse_another_base_url(engine, settings)


@asynccontextmanager
async def open_node(settings: Settings) -> AsyncIterator[Node]:
    """The node's data, checked, in one transaction (committed when the block ends)."""
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        await check_database(engine, settings)
        async with create_sessionmaker(engine).begin() as session:
            yield Node(settings, session, Site(settings.base_url), datetime.now(UTC))
    finally:
        await engine.dispose()
