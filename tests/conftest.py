"""Fixtures shared by every test: databases on both backends, nodes, API clients.

Every test that takes ``database`` (directly or through ``settings``, ``app`` or
``api``) runs twice, as ``[sqlite]`` and ``[postgresql]``. Without a reachable
PostgreSQL the second half is skipped with the reason shown, except in CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.signing import keystore
from node.passwords import Passwords
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from tests.api_client import Api
from tests.clocks import ManualClock
from tests.databases import (
    POSTGRES_URL,
    Database,
    PostgresDatabases,
    SqliteDatabases,
    postgres_problem,
)
from tests.key_pool import RSA_KEYS, RsaKeyPool, load_private_key_pem_once
from tests.mailbox import Mailbox
from web import pages as web_pages
from web.app import create_app
from web.config import Settings
from web.pages.render import build_catalogues

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BASE_URL = "http://node.test"

Client = TestClient[web.Request, web.Application]
AiohttpClient = Callable[..., Awaitable[Client]]


def cheap_passwords() -> Passwords:
    """Argon2 at its minimum cost: the algorithm is the same, tests stay fast."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(autouse=True)
def rsa_keys(monkeypatch: pytest.MonkeyPatch) -> RsaKeyPool:
    """Local actors' RSA keys come from the process's pool, and a key read back from a
    database is parsed and checked once per process (tests/key_pool.py says why)."""
    RSA_KEYS.new_test()
    monkeypatch.setattr(keystore, "generate_rsa_key", RSA_KEYS.draw)
    monkeypatch.setattr(keystore, "load_private_key_pem", load_private_key_pem_once)
    return RSA_KEYS


@pytest.fixture(scope="session", autouse=True)
def page_catalogues() -> Iterator[None]:
    """Every app a test process starts shares one set of page catalogues, as the one app of
    a node's process does: each language's Jinja environment is built, and each template
    compiled, once per process rather than once per app (some 30 ms a template, and the
    web, rig and browser tests start thousands of apps). The catalogues come only from
    files in the repository, so every app would build the same ones."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(web_pages, "build_catalogues", functools.cache(build_catalogues))
        yield


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteDatabases]:
    databases = SqliteDatabases(tmp_path_factory.mktemp("sqlite-template"))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    problem = asyncio.run(postgres_problem(POSTGRES_URL))
    if problem is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({problem})"
        if IN_CI:
            pytest.fail(message + "; in CI this is a failure, not a skip", pytrace=False)
        pytest.skip(message + "; set KINFOLK_TEST_POSTGRES_URL to run this half")
    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    databases.close()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def backend(request: pytest.FixtureRequest) -> SqliteDatabases | PostgresDatabases:
    fixture = "sqlite_databases" if request.param == "sqlite" else "postgres_databases"
    databases: SqliteDatabases | PostgresDatabases = request.getfixturevalue(fixture)
    return databases


@pytest.fixture
def database(backend: SqliteDatabases | PostgresDatabases, tmp_path: Path) -> Database:
    """A clean, migrated database for this test."""
    return backend.acquire(tmp_path)


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    return Settings(
        base_url=BASE_URL,
        data_dir=tmp_path,
        database_url=database.url,
        database_schema=database.schema,
        secret_key="test-secret-" + "x" * 40,
    )


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
def clock(now: datetime) -> ManualClock:
    """A clock the test moves by hand, starting at ``now``."""
    return ManualClock(now)


@pytest.fixture
async def mail_client(
    settings: Settings,
    mailbox: Mailbox,
    clock: ManualClock,
    aiohttp_client: AiohttpClient,
    passwords: Passwords,
) -> Client:
    """A node whose mail goes to ``mailbox``, on ``clock``; the test runs its workers
    itself (``tests.web.mail_helpers.deliver``)."""
    mailing = replace(settings, smtp_url=mailbox.server, embedded_worker=False)
    return await aiohttp_client(create_app(mailing, passwords=passwords, clock=clock))


@pytest.fixture
def site(settings: Settings) -> Site:
    return Site(settings.base_url)


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def passwords() -> Passwords:
    return cheap_passwords()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords) -> Client:
    return await aiohttp_client(create_app(settings, passwords=passwords))


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


# The slowest kinds of test run first: the multi-node rig (a crawl takes a minute or
# two), the commands run as subprocesses, then the browser, leaving the many short
# tests to fill both xdist processes to the end (with ``--dist worksteal``, set in
# pyproject.toml, a process that runs dry takes half of the other's queue). Otherwise
# one long rig test dealt out last keeps one process busy for minutes after the other
# has finished. The order within each kind stays as collected.
_FIRST = ("rig", "cli", "browser", "deploy", "web")


def _weight(item: pytest.Item) -> int:
    tests = Path(__file__).parent
    parts = item.path.relative_to(tests).parts if item.path.is_relative_to(tests) else ()
    return _FIRST.index(parts[0]) if len(parts) > 1 and parts[0] in _FIRST else len(_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_weight)  # stable: each kind keeps its own order
