"""Migrations: on both backends they build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from node import accounts
from node.passwords import Passwords
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.migrate import alembic_config, pending_revisions, upgrade
from node.storage.models import Account, Base, ModAction
from tests.databases import POSTGRES_URL, Database, PostgresDatabases, SqliteDatabases


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database.url, schema=database.schema)
    yield engine
    await engine.dispose()


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(schema_differences)
    assert differences == []
    assert await pending_revisions(engine) == []


async def test_the_comparison_would_notice_a_missing_index(engine: AsyncEngine) -> None:
    """The check above is only worth something if it can fail."""
    async with engine.connect() as connection:
        await connection.execute(text("DROP INDEX ix_post_thread"))
        differences = await connection.run_sync(schema_differences)
        await connection.rollback()
    assert [d[0] for d in differences] == ["add_index"]


async def test_an_empty_database_is_migrated_from_nothing(
    backend: SqliteDatabases | PostgresDatabases, tmp_path: Path
) -> None:
    if backend.backend == "sqlite":
        url, schema = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}", None
    else:
        url, schema = POSTGRES_URL, f"kinfolk_fresh_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url, schema=schema)
    try:
        assert await pending_revisions(engine) != []
        await upgrade(engine, schema=schema)
        assert await pending_revisions(engine) == []
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences) == []
    finally:
        if schema is not None:
            async with engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


async def test_upgrading_again_changes_nothing_and_keeps_the_data(
    engine: AsyncEngine, database: Database, site: Site, passwords: Passwords, now: datetime
) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions.begin() as session:
        await accounts.register(
            session, site, passwords, handle="ana", password="correct horse battery", now=now
        )

    await upgrade(engine, schema=database.schema)
    await upgrade(engine, schema=database.schema)

    assert await pending_revisions(engine) == []
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 1


async def test_the_log_takes_every_moderator_action_and_refuses_others(
    engine: AsyncEngine, now: datetime
) -> None:
    """Migration 0008 widened the log's CHECK constraint (a hand-written change that the
    schema comparison above cannot see) and let node-level entries have no group."""
    insert = text(
        "INSERT INTO moderation_log (group_id, action, target_uri, reason, created_at) "
        "VALUES (NULL, :action, 'https://a.example/u/x', '', :at)"
    )
    async with engine.begin() as connection:
        for action in ModAction:
            await connection.execute(insert, {"action": action.value, "at": now})
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert, {"action": "purge_all", "at": now})


async def test_the_newest_migration_can_be_undone_and_redone(engine: AsyncEngine) -> None:
    """An admin who must roll back a release can: 0009 down to 0007 and up again."""
    config = alembic_config()

    def step(connection: Connection, direction: str) -> None:
        config.attributes["connection"] = connection
        if direction == "down":
            command.downgrade(config, "0007")
        else:
            command.upgrade(config, "head")

    for direction in ("down", "up"):
        async with engine.begin() as connection:
            await connection.run_sync(step, direction)
    assert await pending_revisions(engine) == []
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []
