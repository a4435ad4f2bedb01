"""A node made of several processes on one database, as an admin runs it to scale.

Design note: the multi-process test and ``bench.multiprocess`` start the real
commands an admin starts (``kinfolk serve`` with ``KINFOLK_EMBEDDED_WORKER=false``,
``kinfolk worker --queue inbox`` and ``--queue delivery``), from the same
settings in the environment, against one PostgreSQL schema. Nothing is shared
between them but the database and the settings: that is the claim under test.
Each process's log goes to a file in the work directory (a full pipe would
stall it); stdout is read only for the line that says it is ready.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from web.config import ENVIRONMENT_VARIABLES

KINFOLK = str(Path(sys.executable).parent / "kinfolk")
READY = {"serve": b"Kinfolk is running", "worker": b"Kinfolk worker running"}
BASE_URL = "http://node.bench"  # the bench's node (``bench.ACTOR_URI``); peers reach it by port
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Shape:
    """How many of each process: ``serve`` (web only), inbox workers, delivery workers."""

    serve: int = 2
    inbox: int = 2
    delivery: int = 2

    def __str__(self) -> str:
        return f"{self.serve} serve + {self.inbox} inbox + {self.delivery} delivery"


@dataclass
class Cluster:
    """The running processes; ``ports`` are the ``serve`` processes' listening ports."""

    base_url: str
    ports: list[int]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    def inbox(self, index: int) -> str:
        """The shared inbox as reached through ``serve`` process ``index`` (round robin)."""
        return f"http://127.0.0.1:{self.ports[index % len(self.ports)]}/inbox"


def node_environment(
    url: str, schema: str | None, workdir: Path, base_url: str, concurrency: int
) -> dict[str, str]:
    """What every process of the node shares: database, secret, base URL, data directory."""
    inherited = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_VARIABLES}
    inherited.pop("KINFOLK_CONFIG", None)
    return {
        **inherited,
        "KINFOLK_BASE_URL": base_url,
        "KINFOLK_DATA_DIR": str(workdir),
        "DATABASE_URL": url,
        "KINFOLK_DATABASE_SCHEMA": schema or "",
        "KINFOLK_SECRET_KEY": "cluster-" + "x" * 40,
        "KINFOLK_EMBEDDED_WORKER": "false",
        "KINFOLK_ALLOW_PRIVATE_ADDRESSES": "true",  # the fake fediverse is on loopback
        "KINFOLK_DELIVERY_CONCURRENCY": str(concurrency),
        "KINFOLK_LOG_LEVEL": "WARNING",
    }


async def _start(
    arguments: list[str], env: Mapping[str, str], log: Path
) -> asyncio.subprocess.Process:
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            KINFOLK,
            *arguments,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    assert process.stdout is not None
    ready = READY[arguments[0]]
    async with asyncio.timeout(START_TIMEOUT):
        while not (line := await process.stdout.readline()).startswith(ready):
            if not line:
                code = await process.wait()
                raise RuntimeError(f"kinfolk {arguments[0]} exited with {code}: see {log}")
    return process


@asynccontextmanager
async def running_cluster(
    url: str, schema: str | None, workdir: Path, shape: Shape, concurrency: int = 128
) -> AsyncIterator[Cluster]:
    """Start ``shape``'s processes at once (the schema must be migrated); SIGTERM them after."""
    ports = [free_port() for _ in range(shape.serve)]
    env = node_environment(url, schema, workdir, BASE_URL, concurrency)
    cluster = Cluster(env["KINFOLK_BASE_URL"], ports)
    commands = [
        *(["serve", "--host", "127.0.0.1", "--port", str(port)] for port in ports),
        *(["worker", "--queue", "inbox"] for _ in range(shape.inbox)),
        *(["worker", "--queue", "delivery"] for _ in range(shape.delivery)),
    ]
    started = await asyncio.gather(
        *(
            _start(command, env, workdir / f"process-{n}-{command[0]}.log")
            for n, command in enumerate(commands)
        ),
        return_exceptions=True,
    )
    cluster.processes = [p for p in started if isinstance(p, asyncio.subprocess.Process)]
    try:
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield cluster
    finally:
        await asyncio.gather(*(_stop(process) for process in cluster.processes))


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_TIMEOUT):
            await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
