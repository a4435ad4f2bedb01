"""Every test starts from clean tables: what an earlier test wrote is gone, and ids
count from the start again, on both backends (a fresh SQLite copy, an emptied
PostgreSQL schema), so no test can see or depend on another's rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from node import accounts
from node.passwords import Passwords
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.models.actors import Account, Actor
from tests.databases import Database, PostgresDatabases, SqliteDatabases


async def _register(
    database: Database, site: Site, passwords: Passwords, now: datetime, *handles: str
) -> list[int]:
    engine = create_engine(database.url, schema=database.schema)
    try:
        async with create_sessionmaker(engine).begin() as session:
            return [
                (
                    await accounts.register(
                        session,
                        site,
                        passwords,
                        handle=h,
                        password="correct horse battery",
                        now=now,
                    )
                ).id
                for h in handles
            ]
    finally:
        await engine.dispose()


async def _count(database: Database, model: type[Account] | type[Actor]) -> int:
    engine = create_engine(database.url, schema=database.schema)
    try:
        async with create_sessionmaker(engine)() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        await engine.dispose()


async def test_a_database_handed_out_again_is_empty_and_counts_ids_from_the_start(
    backend: SqliteDatabases | PostgresDatabases,
    tmp_path: Path,
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    (tmp_path / "earlier").mkdir()
    (tmp_path / "later").mkdir()
    earlier = await backend.acquire_async(tmp_path / "earlier")
    first_ids = await _register(earlier, site, passwords, now, "ana", "bea")

    later = await backend.acquire_async(tmp_path / "later")

    assert await _count(later, Account) == 0
    assert await _count(later, Actor) == 0
    assert await _register(later, site, passwords, now, "cai") == first_ids[:1]
