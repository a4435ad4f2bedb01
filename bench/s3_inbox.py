"""S3: inbox throughput. How many signed activities does the node accept per second?

Design note: the node runs in its own process (as ``kinfolk serve`` would, minus
the workers, which this scenario does not measure), on a fresh database holding
1,000 remote actors on 200 nodes whose keys are already cached. This process
pre-signs 2 KB ``Create(Note)`` activities (draft-cavage, RSA-2048, unique ids)
before the clock starts, then sends them at rising concurrency, a few seconds
per step, until p99 exceeds 100 ms. Each 202 means verified and durably queued;
afterwards the queue is counted to show that nothing accepted was lost. To keep
set-up short, the 1,000 actors share ``--keys`` distinct RSA keys: verification
costs the same whichever key it is.

``python -m bench.s3_inbox [--postgres] [--levels 8,16,32,64,128] [--seconds 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from bench import BenchDatabase, add_database_arguments, bench_database, percentile, report
from bench.cluster import free_port
from bench.s0_calibration import calibrate
from federation.remote.actors import ActorDocument, RemoteKey, store_actor
from federation.signing import signatures
from federation.signing.keys import generate_rsa_key
from federation.tables import InboxItem
from node.kinds import ActorKind
from node.storage.engine import create_sessionmaker
from tests.conftest import cheap_passwords
from web import event_loop
from web.app import create_app
from web.config import Settings

NOTE_TEXT = "x" * 1500  # with the envelope, about 2 KB per activity


@dataclass(frozen=True)
class Step:
    concurrency: int
    sent: int
    accepted: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    def row(self) -> tuple[str, str]:
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        return (
            f"{self.concurrency:>3} in flight",
            f"{self.rate:7,.0f} accepted/s   p50 {p50 * 1000:5.1f} ms   p99 {p99 * 1000:6.1f} ms"
            f"   ({self.accepted}/{self.sent} answered 202)",
        )


def _actor(index: int, hosts: int) -> str:
    return f"http://node{index % hosts}.bench/users/u{index}"


def person(uri: str, handle: str, key: rsa.RSAPublicKey) -> ActorDocument:
    """A remote person as fetching its actor document would give it, with one key."""
    return ActorDocument(
        uri=uri,
        kind=ActorKind.PERSON,
        handle=handle,
        display_name="",
        summary="",
        inbox=f"{uri}/inbox",
        shared_inbox=None,
        outbox=None,
        followers=None,
        url=None,
        keys=(RemoteKey(f"{uri}#main-key", uri, key),),
    )


async def seed_actors(
    database: BenchDatabase, actors: int, hosts: int, keys: list[rsa.RSAPrivateKey]
) -> None:
    engine = database.engine()
    try:
        async with create_sessionmaker(engine).begin() as session:
            now = datetime.now(UTC)
            for index in range(actors):
                uri = _actor(index, hosts)
                document = person(uri, f"u{index}", keys[index % len(keys)].public_key())
                await store_actor(session, document, now=now)
    finally:
        await engine.dispose()


def sign_create(
    actor: str, n: int, key: rsa.RSAPrivateKey, inbox: str, now: datetime
) -> tuple[dict[str, str], bytes]:
    """A 2 KB ``Create(Note)`` number ``n`` by ``actor``, signed (draft-cavage) for ``inbox``."""
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}/activities/{n}",
        "type": "Create",
        "actor": actor,
        "object": {
            "id": f"{actor}/notes/{n}",
            "type": "Note",
            "attributedTo": actor,
            "content": NOTE_TEXT,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    }
    body = json.dumps(activity).encode()
    headers = signatures.sign_request(
        "POST",
        inbox,
        {"Content-Type": "application/activity+json"},
        body,
        key_id=f"{actor}#main-key",
        private_key=key,
        now=now,
    )
    return headers, body


def presign(
    count: int,
    actors: int,
    hosts: int,
    keys: list[rsa.RSAPrivateKey],
    inbox: str,
    first: int = 0,
) -> list[tuple[dict[str, str], bytes]]:
    """``count`` signed ``Create(Note)``s to ``inbox``, numbered (their ids) from ``first``."""
    now = datetime.now(UTC)
    return [
        sign_create(_actor(n % actors, hosts), n, keys[(n % actors) % len(keys)], inbox, now)
        for n in range(first, first + count)
    ]


async def _step(
    http: aiohttp.ClientSession,
    inbox: str,
    requests: list[tuple[dict[str, str], bytes]],
    concurrency: int,
    seconds: float,
) -> Step:
    latencies: list[float] = []
    accepted = sent = 0
    deadline = time.perf_counter() + seconds

    async def sender() -> None:
        nonlocal accepted, sent
        while requests and time.perf_counter() < deadline:
            headers, body = requests.pop()
            started = time.perf_counter()
            async with http.post(inbox, data=body, headers=headers) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)
            sent += 1
            accepted += response.status == 202

    began = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return Step(concurrency, sent, accepted, time.perf_counter() - began, latencies)


async def _serve_child(args: argparse.Namespace) -> None:
    settings = Settings(
        base_url=f"http://127.0.0.1:{args.port}",
        data_dir=Path(args.workdir),
        database_url=args.url,
        database_schema=args.schema or None,
        secret_key="bench-" + "x" * 40,
        embedded_worker=False,
        allow_private_addresses=True,  # S4's actors are served on loopback
        log_level="WARNING",
    )
    runner = web.AppRunner(create_app(settings, passwords=cheap_passwords()), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


@asynccontextmanager
async def serving_node(database: BenchDatabase) -> AsyncIterator[str]:
    """The node's web process (``kinfolk serve`` without workers) as a child; yields
    its inbox URL, and stops it afterwards."""
    port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.s3_inbox",
        "--serve",
        "--port",
        str(port),
        "--url",
        database.url,
        "--schema",
        database.schema or "",
        "--workdir",
        str(database.workdir),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    await child.stdout.readline()
    try:
        yield f"http://127.0.0.1:{port}/inbox"
    finally:
        child.stdin.close()
        await child.wait()


async def run(args: argparse.Namespace) -> None:
    calibration = await calibrate()
    levels = [int(level) for level in args.levels.split(",")]
    keys = [generate_rsa_key() for _ in range(args.keys)]
    async with bench_database(args) as database:
        await seed_actors(database, args.actors, args.hosts, keys)
        async with serving_node(database) as inbox:
            started = time.perf_counter()
            requests = presign(args.requests, args.actors, args.hosts, keys, inbox)
            presign_seconds = time.perf_counter() - started
            steps: list[Step] = []
            connector = aiohttp.TCPConnector(limit=max(levels))
            async with aiohttp.ClientSession(connector=connector) as http:
                for level in levels:
                    if not requests:
                        break
                    steps.append(await _step(http, inbox, requests, level, args.seconds))
                    if percentile(steps[-1].latencies, 99) > 0.1:
                        break
        engine = database.engine()
        try:
            async with create_sessionmaker(engine)() as session:
                queued = await session.scalar(select(func.count()).select_from(InboxItem)) or 0
        finally:
            await engine.dispose()
    within = [s for s in steps if percentile(s.latencies, 99) <= 0.05]
    best = max(within or steps, key=lambda s: s.rate)
    accepted = sum(s.accepted for s in steps)
    report(
        f"S3 inbox throughput ({database.backend})",
        [
            *calibration.rows(),
            (
                "set-up",
                f"{args.actors} actors on {args.hosts} nodes, {args.keys} RSA-2048 keys, "
                f"{args.requests} activities pre-signed in {presign_seconds:.1f} s",
            ),
            *[s.row() for s in steps],
            (
                "best at p99 <= 50 ms",
                f"{best.rate:,.0f} accepted/s at {best.concurrency} in flight"
                + ("" if within else "  (no step met p99 <= 50 ms)"),
            ),
            ("ratio to R_srv", f"{best.rate / calibration.r_srv:.2f}"),
            (
                "lost after 202",
                f"{accepted - queued} (202 answers {accepted}, queued rows {queued})",
            ),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--keys", type=int, default=20, help="distinct RSA keys among the actors")
    parser.add_argument("--requests", type=int, default=50000, help="activities to pre-sign")
    parser.add_argument("--levels", default="8,16,32,64,128", help="concurrency steps")
    parser.add_argument("--seconds", type=float, default=2.5, help="length of each step")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    event_loop.run(_serve_child(args) if args.serve else run(args))


if __name__ == "__main__":
    main()
