"""Engine and session set-up for both supported backends.

SQLite is the zero-configuration default: a single file in WAL mode. Its
writers are serialised with ``BEGIN IMMEDIATE``: a deferred transaction that
reads first and writes later can fail at once with "database is locked" when
another writer got there first, whereas an immediate one waits its turn. Within
one process the turn is taken at the connection pool, which holds a single
connection: waiting there is an asyncio wait, whereas SQLite's own busy handler
(still needed, for other processes such as ``kinfolk worker``) sleeps in steps of
up to 100 ms, which more than halved inbox throughput when several pooled
connections contended. Across processes the handler is kept on its finer
steps (``_begin_immediate``). PostgreSQL goes through asyncpg and
may be confined to one schema, so several nodes (or test runs) share a database.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 50  # one wait of SQLite's busy handler, in its fine steps
SQLITE_WRITER_WAIT = 10.0  # seconds a transaction waits for the writer lock in all


def create_engine(database_url: str, *, schema: str | None = None) -> AsyncEngine:
    """An async engine for ``database_url``, configured for this node's needs."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url, pool_size=10, max_overflow=5, pool_pre_ping=True, connect_args=connect_args
    )


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        # SQLite's own lower() folds ASCII only ("École" stays "École"); PostgreSQL's
        # folds all of Unicode. Searches must match alike on both.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            locked = not _begin_immediate(cursor)
        finally:
            cursor.close()
        if locked:  # a last try through SQLAlchemy, which words the error for callers
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_immediate(cursor: Any) -> bool:
    """Take SQLite's writer lock, waiting up to ``SQLITE_WRITER_WAIT`` for it.

    Why not one long busy timeout: SQLite's busy handler sleeps 1, 2, 5, 10,
    15, 20 and 25 ms, then 50 and 100 ms between tries. A process that writes
    back to back (a busy delivery worker) leaves the lock free for a millisecond
    or two between transactions, which a waiter polling every 100 ms seldom
    hits: the web process then waited up to 2.3 s to store a post (S2, measured).
    Short timeouts, retried here, keep every waiter on the fine steps. False
    if the lock was not had in time.
    """
    deadline = time.monotonic() + SQLITE_WRITER_WAIT
    while time.monotonic() < deadline:
        try:
            cursor.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
    return False


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (we return dataclasses anyway)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def upsert_into(table: Table, dialect: str) -> postgresql.Insert | sqlite.Insert:
    """An INSERT on ``table`` that can take ``ON CONFLICT`` (both backends spell it alike)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
