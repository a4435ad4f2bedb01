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
from node.kinds import ModAction
from node.passwords import Passwords
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.migrate import alembic_config, pending_revisions, upgrade
from node.storage.models.actors import Account
from node.storage.models.base import Base
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


async def test_deliveries_queued_before_0010_keep_their_order_per_object(
    engine: AsyncEngine, site: Site, passwords: Passwords, now: datetime
) -> None:
    """0010 links each queued row to the earlier queued row about its object and inbox,
    as the claim used to work out; finished rows and other objects wait for nothing."""
    config = alembic_config()

    def migrate(connection: Connection, target: str) -> None:
        config.attributes["connection"] = connection
        if target == "head":
            command.upgrade(config, target)
        else:
            command.downgrade(config, target)

    async with create_sessionmaker(engine).begin() as session:
        await accounts.register(
            session, site, passwords, handle="ana", password="correct horse battery", now=now
        )
    async with engine.begin() as connection:
        await connection.run_sync(migrate, "0009")
        actor = (await connection.execute(text("SELECT id FROM actors"))).scalar_one()
        for n in range(1, 5):  # a Create, an Update and a Delete of p/1, a Create of p/other
            await connection.execute(
                text(
                    "INSERT INTO outgoing_activities (id, uri, actor_id, object_uri, payload, "
                    "created_at) VALUES (:n, :uri, :actor, :object, '{}', :at)"
                ),
                {
                    "n": n,
                    "uri": f"https://node.test/a/{n}",
                    "actor": actor,
                    "object": "https://node.test/p/other" if n == 4 else "https://node.test/p/1",
                    "at": now,
                },
            )
        rows = [  # (activity, inbox, state)
            (1, "https://a.example/inbox", "done"),
            (2, "https://a.example/inbox", "queued"),
            (3, "https://a.example/inbox", "queued"),
            (1, "https://b.example/inbox", "queued"),
            (2, "https://b.example/inbox", "queued"),
            (4, "https://b.example/inbox", "queued"),
        ]
        for row_id, (activity, inbox, state) in enumerate(rows, start=1):
            await connection.execute(
                text(
                    "INSERT INTO deliveries (id, activity_id, inbox, host, object_uri, state, "
                    "attempts, next_attempt_at, created_at) SELECT :id, :activity, :inbox, "
                    "'h', object_uri, :state, 0, :at, :at FROM outgoing_activities "
                    "WHERE id = :activity"
                ),
                {"id": row_id, "activity": activity, "inbox": inbox, "state": state, "at": now},
            )
        await connection.run_sync(migrate, "head")
        found = await connection.execute(text("SELECT id, after_id FROM deliveries ORDER BY id"))
        assert [tuple(row) for row in found] == [
            (1, None),
            (2, None),
            (3, 2),
            (4, None),
            (5, 4),
            (6, None),
        ]


async def test_the_newest_migration_can_be_undone_and_redone(engine: AsyncEngine) -> None:
    """An admin who must roll back a release can: the newest down to 0008 and up again."""
    config = alembic_config()

    def step(connection: Connection, direction: str) -> None:
        config.attributes["connection"] = connection
        if direction == "down":
            command.downgrade(config, "0008")
        else:
            command.upgrade(config, "head")

    for direction in ("down", "up"):
        async with engine.begin() as connection:
            await connection.run_sync(step, direction)
    assert await pending_revisions(engine) == []
    async with engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []


@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
async def test_postgresql_vacuums_the_queue_tables_early(engine: AsyncEngine) -> None:
    """0012: the queue tables ask PostgreSQL's autovacuum to come after 5,000 dead rows
    (SQLite keeps no dead row versions; the migration leaves it alone)."""
    async with engine.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT relname, reloptions FROM pg_class WHERE oid IN "
                "(to_regclass('deliveries'), to_regclass('inbox_items')) ORDER BY relname"
            )
        )
        expected = [
            "autovacuum_vacuum_scale_factor=0",
            "autovacuum_vacuum_threshold=5000",
            "autovacuum_vacuum_cost_delay=0",
        ]
        assert [(name, sorted(options)) for name, options in found] == [
            ("deliveries", sorted(expected)),
            ("inbox_items", sorted(expected)),
        ]
