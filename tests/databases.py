"""Clean databases for tests, on SQLite and on PostgreSQL.

Each backend migrates once per test session (so every run also proves the
migrations), then hands every test clean tables: a fresh copy of a migrated
SQLite file, or a PostgreSQL schema emptied by ``DELETE`` with its sequences
restarted. (``TRUNCATE`` leaves the same, but makes new files for every table
and index: 0.3-0.5 s per test, against about 0.01 s to delete the few rows a
test writes, on some 1,400 PostgreSQL tests.) PostgreSQL runs are confined to
schemas named after the process, so two test runs on one server never meet.
Several databases per test (one per node in the multi-node rig) come from
``acquire(index)``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

import federation.tables  # noqa: F401  (so every table is emptied between tests)
from node.storage.engine import create_engine
from node.storage.migrate import upgrade
from node.storage.models.base import Base

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_URL = os.environ.get("KINFOLK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


_RESTART_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
    " FROM pg_sequences WHERE schemaname = current_schema();"
)


@dataclass(frozen=True)
class Database:
    url: str
    schema: str | None = None


async def _migrate(url: str, schema: str | None) -> None:
    engine = create_engine(url, schema=schema)
    try:
        await upgrade(engine, schema=schema)
    finally:
        await engine.dispose()


class SqliteDatabases:
    backend = "sqlite"

    def __init__(self, root: Path) -> None:
        self._root = root
        self._template = root / "template.sqlite3"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{self._template}", None))

    def acquire(self, test_dir: Path, index: int = 0) -> Database:
        path = test_dir / f"node{index}.sqlite3"
        shutil.copyfile(self._template, path)
        return Database(f"sqlite+aiosqlite:///{path}")

    async def acquire_async(self, test_dir: Path, index: int = 0) -> Database:
        return self.acquire(test_dir, index)

    def close(self) -> None:
        shutil.rmtree(self._root, ignore_errors=True)


class PostgresDatabases:
    backend = "postgresql"

    def __init__(self, url: str) -> None:
        self._url = url
        self._prefix = f"kinfolk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self._migrated: set[str] = set()
        # What ``TRUNCATE … RESTART IDENTITY`` leaves, in one short transaction: no rows
        # (dependent tables first, so no foreign key points at a deleted row), and every
        # sequence of the schema back at its start value.
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        deletes = "".join(f"DELETE FROM {t};" for t in tables)  # noqa: S608 (our table names)
        self._empty = "BEGIN;" + deletes + _RESTART_SEQUENCES + "COMMIT;"

    def acquire(self, test_dir: Path, index: int = 0) -> Database:
        return asyncio.run(self.acquire_async(test_dir, index))

    async def acquire_async(self, test_dir: Path, index: int = 0) -> Database:
        """A clean schema (from inside a running event loop, as the rig needs)."""
        schema = f"{self._prefix}_n{index}"
        if schema not in self._migrated:
            await _migrate(self._url, schema)
            self._migrated.add(schema)
        else:
            await self._empty_schema(schema)
        return Database(self._url, schema)

    async def _empty_schema(self, schema: str) -> None:
        engine = create_engine(self._url, schema=schema)
        try:
            async with engine.connect() as connection:
                raw = await connection.get_raw_connection()
                # Several statements in one round trip: asyncpg's simple query protocol.
                await raw.driver_connection.execute(self._empty)  # type: ignore[union-attr]
        finally:
            await engine.dispose()

    async def _execute(self, schema: str | None, statement: str) -> None:
        engine = create_engine(self._url, schema=schema)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    def close(self) -> None:
        for schema in self._migrated:
            asyncio.run(self._execute(None, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


async def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used, or None when it can."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means the same thing here
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()
    return None
