"""Benchmarks of shared/BENCHMARKS.md, runnable one command each (see bench/README.md).

This module holds what every scenario shares: a throw-away database (a temp
SQLite file, or with ``--postgres`` a private schema as in tests/databases.py),
the local actor whose posts go out, percentiles and the printed report. A
benchmark prints figures and ratios to the in-run calibration; it never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.delivery.destinations import ED25519, host_of, learn_standards
from federation.delivery.worker import DeliveryConfig, DeliveryWorker
from federation.outbox.enqueue import enqueue
from federation.remote.http import Egress, client_session
from federation.signing.keystore import LocalKeys, local_keys
from node.kinds import ActorKind
from node.storage.engine import create_engine, create_sessionmaker
from node.storage.migrate import upgrade
from node.storage.models.actors import Actor
from tests.databases import postgres_problem
from web import event_loop

DEFAULT_POSTGRES_URL = os.environ.get(
    "KINFOLK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
ACTOR_URI = "http://node.bench/groups/circle"


@dataclass(frozen=True)
class BenchDatabase:
    """Where a benchmark's node keeps its data."""

    url: str
    schema: str | None
    workdir: Path

    @property
    def backend(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"

    def engine(self) -> AsyncEngine:
        return create_engine(self.url, schema=self.schema)


def delivery_client(config: DeliveryConfig) -> aiohttp.ClientSession:
    """The node's own guarded client, as ``kinfolk worker`` builds it, open to loopback."""
    egress = Egress(allow_private_addresses=True, allow_http=True)
    return client_session(egress, user_agent=config.user_agent, limit=config.max_sockets)


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)


@asynccontextmanager
async def autovacuum_stand_in(database: BenchDatabase, every: float = 60.0) -> AsyncIterator[str]:
    """Vacuum the queue tables every ``every`` s where the server's autovacuum is off.

    Our machines' PostgreSQL runs with ``autovacuum = off``; a production one does
    not, and with migration 0012 it vacuums the queue tables at most once per
    naptime (default 1 min). Without any vacuum, dead index entries pile up and the
    run measures a neglected server, so the benchmark does autovacuum's job at that
    pace. Yields what the report says about it."""
    if database.schema is None:
        yield "n/a (SQLite keeps no dead row versions)"
        return
    engine = database.engine().execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        setting = (await connection.execute(text("SHOW autovacuum"))).scalar()
    if setting == "on":
        await engine.dispose()
        yield "the server's autovacuum"
        return

    async def vacuum() -> None:
        while True:
            await asyncio.sleep(every)
            async with engine.connect() as connection:
                for table in ("deliveries", "inbox_items"):
                    await connection.execute(text(f'VACUUM "{database.schema}".{table}'))

    task = asyncio.create_task(vacuum())
    try:
        yield f"off on this server: the benchmark vacuums every {every:g} s in its stead"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()


# What the simulated nodes are, as the sender learns it (FEP-844e, federation.signing.capabilities).
PEERS = {
    "kinfolk": ED25519,  # advertise RFC 9421 with Ed25519, as Kinfolk, Mitra and tootik do
    "unknown": None,  # advertise nothing, as Lemmy, Mbin or an older Mastodon on first contact
}


def add_peer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--peers",
        choices=sorted(PEERS),
        default="kinfolk",
        help="kinfolk: the simulated nodes advertise RFC 9421 with Ed25519 and get Ed25519 "
        "signatures; unknown: they advertise nothing and get draft-cavage RSA signatures "
        "(ten times the signing CPU). Default: %(default)s",
    )


async def introduce_peers(database: BenchDatabase, inboxes: Sequence[str], peers: str) -> None:
    """Record what the simulated nodes advertise, as fetching one of their actors would."""
    standard = PEERS[peers]
    if standard is None:
        return
    engine = database.engine()
    async with sessions_for(engine).begin() as session:
        await learn_standards(session, {host_of(inbox): standard for inbox in inboxes})
    await engine.dispose()


@asynccontextmanager
async def bench_database(args: argparse.Namespace) -> AsyncIterator[BenchDatabase]:
    """A migrated, empty database for one run, removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="kinfolk-bench-"))
    if args.postgres:
        database = BenchDatabase(
            args.postgres_url, f"kinfolk_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}", workdir
        )
    else:
        database = BenchDatabase(f"sqlite+aiosqlite:///{workdir / 'node.sqlite3'}", None, workdir)
    engine = database.engine()
    try:
        await upgrade(engine, schema=database.schema)
        yield database
    finally:
        if database.schema:
            async with engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE'))
        await engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


async def each_backend(args: argparse.Namespace, title: str) -> AsyncIterator[BenchDatabase]:
    """A fresh database on each of ``args.backends`` in turn (``sqlite,postgresql``); an
    unreachable PostgreSQL is reported as skipped under ``title`` rather than failing."""
    for backend in args.backends.split(","):
        if backend == "postgresql":
            problem = await postgres_problem(args.postgres_url)
            if problem is not None:
                report(f"{title}, postgresql", [("skipped", problem)])
                continue
        options = argparse.Namespace(
            postgres=backend == "postgresql", postgres_url=args.postgres_url
        )
        async with bench_database(options) as database:
            yield database


async def create_actor(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> tuple[int, LocalKeys]:
    """The local group whose activities the benchmark sends, with its keys made."""
    async with sessions.begin() as session:
        actor = Actor(
            uri=ACTOR_URI,
            kind=ActorKind.GROUP,
            local=True,
            handle="circle",
            handle_key="circle",
            domain="node.bench",
            created_at=now,
            updated_at=now,
        )
        session.add(actor)
        await session.flush()
        keys = await local_keys(session, actor, now=now)
        return actor.id, keys


class SimulatedClock:
    """Real time plus an offset the benchmark moves forward (S6(b), S7).

    The delivery worker takes its clock as an argument: due times, backoffs,
    breakers and "unreachable after 7 days" all read it, while its requests go
    out in real time. Advancing the offset lets hours of an outage pass in
    seconds; between advances it ticks as real time does, so a 1 s
    ``Retry-After`` is still a real second.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


async def queue_announce(
    sessions: async_sessionmaker[AsyncSession],
    actor_id: int,
    post: int,
    inboxes: Sequence[str],
    now: datetime,
) -> None:
    """The group's ``Announce`` of post number ``post`` (about 2 KB), queued to ``inboxes``."""
    async with sessions.begin() as session:
        await enqueue(
            session,
            actor_id=actor_id,
            activity={
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{ACTOR_URI}/activities/announce-{post}",
                "type": "Announce",
                "actor": ACTOR_URI,
                "object": f"http://node.bench/posts/{post}",
                "content": "x" * 1500,
            },
            inboxes=inboxes,
            object_uri=f"http://node.bench/posts/{post}",
            now=now,
        )


def sessions_for(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def report(title: str, rows: Sequence[tuple[str, str]]) -> None:
    """Print a titled block of ``name: value`` lines."""
    print(f"\n== {title}")
    width = max((len(name) for name, _ in rows), default=0)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")


# -- delivery workers in their own processes (``kinfolk worker``), for S2 and S6(a) --------

_SECONDS_FIELDS = {f.name for f in fields(DeliveryConfig) if isinstance(f.default, timedelta)}


def config_to_json(config: DeliveryConfig) -> dict[str, object]:
    """A DeliveryConfig as JSON-able values (timedeltas as seconds)."""
    values = asdict(config)
    return {k: v.total_seconds() if k in _SECONDS_FIELDS else v for k, v in values.items()}


def config_from_json(values: dict[str, Any]) -> DeliveryConfig:
    kwargs: dict[str, Any] = {
        k: timedelta(seconds=v) if k in _SECONDS_FIELDS else v for k, v in values.items()
    }
    return DeliveryConfig(**kwargs)


class WorkerProcess:
    """A delivery worker in a child process: ``python -m <module> --worker-process SPEC``.

    ``start`` returns once the child has imported everything and opened its
    database. It runs until ``stop()`` closes its stdin (then reports the
    CPU-seconds it spent after start-up) or until ``kill()`` sends SIGKILL.
    """

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(
        cls, module: str, database: BenchDatabase, config: DeliveryConfig
    ) -> WorkerProcess:
        spec = {"url": database.url, "schema": database.schema, "config": config_to_json(config)}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            "--worker-process",
            json.dumps(spec),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        if not await process.stdout.readline():
            raise RuntimeError(f"the worker process exited with {await process.wait()}")
        return cls(process)

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no last words, leases left behind."""
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> float:
        """Let it finish what is in flight and exit; its CPU-seconds after start-up."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        output = await self.process.stdout.read()
        await self.process.wait()
        lines = output.decode().strip().splitlines()
        return float(json.loads(lines[-1])["cpu_seconds"]) if lines else math.nan


async def wait_until(
    check: Callable[[], Awaitable[bool]], *, deadline: float, poll: float = 0.005
) -> bool:
    """Poll ``check`` until it holds or ``deadline`` (time.monotonic()) passes."""
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(poll)
    return await check()


def run_scenario(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, None]],
) -> None:
    """The shared tail of every scenario's ``main``: calibration length, and the hidden
    ``--worker-process`` mode in which a scenario re-runs itself as a delivery worker."""
    parser.add_argument("--calibrate-seconds", type=float, default=1.0)
    parser.add_argument("--worker-process", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_process:
        worker_process_main(args.worker_process)
        return
    event_loop.run(run(args))


def worker_process_main(spec_json: str) -> None:
    """Entry point of a WorkerProcess child."""
    spec = json.loads(spec_json)
    cpu = event_loop.run(
        _worker_process(spec["url"], spec["schema"], config_from_json(spec["config"]))
    )
    print(json.dumps({"cpu_seconds": cpu}), flush=True)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """CPU-seconds (user + system) another process has spent so far, from /proc (Linux;
    to 10 ms), whatever it runs: the node's server or the Fedify peer alike."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _worker_process(url: str, schema: str | None, config: DeliveryConfig) -> float:
    engine = create_engine(url, schema=schema)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    closed = loop.run_in_executor(None, sys.stdin.read)  # returns when the parent closes it
    closed.add_done_callback(lambda _: stop.set())
    async with delivery_client(config) as http:
        worker = DeliveryWorker(create_sessionmaker(engine), http, _utc_now, config)
        started = cpu_seconds()
        print(json.dumps({"ready": True}), flush=True)
        await worker.run(stop)
    await engine.dispose()
    return cpu_seconds() - started


def _utc_now() -> datetime:
    return datetime.now(UTC)
