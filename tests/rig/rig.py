"""The multi-node rig: several real Kinfolk nodes talking HTTP on loopback.

Each node is a full ``create_app`` with its own database (SQLite file or
PostgreSQL schema), served on its own loopback address (127.0.0.11, .12, …), so
WebFinger, actor fetches, signatures and deliveries are all real. Nothing is
mocked. The clock is shared and controllable (``rig.clock.advance``), workers
do not run by themselves, and ``await rig.settle()`` runs every node's workers
until all queues are idle, so tests never sleep. A node can be stopped and
started again on the same address with the same database.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Select, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from federation.delivery.worker import DeliveryConfig
from federation.signing.keystore import LocalKeys, local_keys
from federation.tables import ActorKey
from node.actors import find_actor
from node.storage.engine import create_engine, create_sessionmaker
from tests.api_client import Api, Member
from tests.conftest import cheap_passwords
from tests.databases import PostgresDatabases, SqliteDatabases
from web.app import create_app
from web.config import Settings
from web.keys import WORKERS

RIG_DELIVERY = DeliveryConfig(
    connect_timeout=2.0, total_timeout=5.0, lease=timedelta(seconds=15), idle_sleep=0.01
)


class RigClock:
    """Real time plus an offset that tests move forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RigNode:
    name: str
    host: str
    port: int
    settings: Settings
    clock: RigClock
    server: TestServer | None = None
    client: TestClient[web.Request, web.Application] | None = None
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def api(self) -> Api:
        assert self.client is not None, f"node {self.name} is stopped"
        return Api(self.client)

    async def start(self) -> None:
        app = create_app(
            self.settings, passwords=cheap_passwords(), clock=self.clock, delivery=RIG_DELIVERY
        )
        self.server = TestServer(app, host=self.host, port=self.port)
        self.client = TestClient(self.server)
        await self.client.start_server()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        self.server = self.client = None

    async def run_workers_once(self) -> int:
        if self.server is None:
            return 0
        return await self.server.app[WORKERS].run_once()

    async def member(self, username: str) -> Member:
        """A registered member of this node (registered on first use)."""
        if username not in self.members:
            self.members[username] = await self.api.register(username)
        return self.members[username]


class Rig:
    def __init__(self, databases: SqliteDatabases | PostgresDatabases, tmp: Path) -> None:
        self._databases = databases
        self._tmp = tmp
        self.clock = RigClock()
        self.nodes: list[RigNode] = []

    async def add_node(self, name: str, **settings_overrides: Any) -> RigNode:
        index = len(self.nodes)
        host = f"127.0.0.{11 + index}"
        port = _free_port(host)
        database = await self._databases.acquire_async(self._tmp, index)
        settings = Settings(
            base_url=f"http://{host}:{port}",
            data_dir=self._tmp / name,
            database_url=database.url,
            database_schema=database.schema,
            secret_key=f"rig-secret-{name}-" + "x" * 32,
            node_name=name,
            allow_private_addresses=True,
            embedded_worker=False,
        )
        settings = replace(settings, **settings_overrides)
        node = RigNode(name, host, port, settings, self.clock)
        await node.start()
        self.nodes.append(node)
        return node

    async def settle(self, max_rounds: int = 200) -> None:
        """Run every node's workers until a whole round finds nothing to do."""
        for _ in range(max_rounds):
            work = 0
            for node in self.nodes:
                work += await node.run_workers_once()
            if work == 0:
                return
        raise AssertionError(f"the rig did not settle in {max_rounds} rounds")

    async def close(self) -> None:
        for node in self.nodes:
            await node.stop()


@asynccontextmanager
async def database_of(node: RigNode) -> AsyncIterator[AsyncSession]:
    """A transaction on a node's database, from outside the node (to inspect or forge)."""
    engine = create_engine(node.settings.database_url, schema=node.settings.database_schema)
    try:
        async with create_sessionmaker(engine).begin() as session:
            yield session
    finally:
        await engine.dispose()


async def keys_of(node: RigNode, handle: str) -> LocalKeys:
    """A local actor's private keys, read from its node's database (to forge with)."""
    async with database_of(node) as session:
        actor = await find_actor(session, handle, node.domain)
        return await local_keys(session, actor, now=node.clock())


async def count(node: RigNode, statement: Select[Any]) -> int:
    """Run a counting query against a node's database."""
    async with database_of(node) as session:
        return await session.scalar(statement) or 0


async def rows_of(node: RigNode, statement: Executable) -> list[tuple[Any, ...]]:
    """Run a query against a node's database; its rows as tuples."""
    async with database_of(node) as session:
        return [tuple(row) for row in await session.execute(statement)]


async def rotate_keys(node: RigNode, handle: str) -> None:
    """Throw a local actor's keys away; new ones are made on next use (a key rotation)."""
    async with database_of(node) as session:
        actor = await find_actor(session, handle, node.domain)
        await session.execute(delete(ActorKey).where(ActorKey.actor_id == actor.id))
