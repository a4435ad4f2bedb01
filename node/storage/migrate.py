"""Apply the schema migrations in-process."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade(engine: AsyncEngine, *, schema: str | None = None) -> None:
    """Bring the database to the newest schema; a no-op when it is already there."""
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if schema:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await connection.run_sync(run)


async def pending_revisions(engine: AsyncEngine) -> list[str]:
    """Revisions not yet applied, oldest first (empty when up to date)."""
    script = ScriptDirectory.from_config(alembic_config())

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        applied = await connection.run_sync(current)
    pending = []
    for revision in script.walk_revisions():
        if revision.revision in applied:
            break
        pending.append(revision.revision)
    return list(reversed(pending))
