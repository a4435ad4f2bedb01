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
import cProfile
import json
import math
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from bench import (
    BenchDatabase,
    add_database_arguments,
    bench_database,
    percentile,
    process_cpu_seconds,
    report,
)
from bench.cluster import free_port
from bench.fedify_side import fedify_actor, fedify_peer, peer_missing, recorded
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
    server_cpu: float  # CPU-seconds the serving process spent during the step

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    def row(self) -> tuple[str, str]:
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        return (
            f"{self.concurrency:>3} in flight",
            f"{self.rate:7,.0f} accepted/s   p50 {p50 * 1000:5.1f} ms   p99 {p99 * 1000:6.1f} ms"
            f"   {self.server_cpu * 1000 / max(self.sent, 1):4.2f} CPU-ms/request"
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


async def seed(
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
    *,
    actor_of: Callable[[int, int], str] = _actor,
    now: datetime | None = None,
    first: int = 0,
) -> list[tuple[dict[str, str], bytes]]:
    """``count`` signed activities (numbered from ``first``), dated ``now`` (default: now)."""
    now = now or datetime.now(UTC)
    return [
        sign_create(actor_of(n % actors, hosts), n, keys[(n % actors) % len(keys)], inbox, now)
        for n in range(first, first + count)
    ]


async def _post(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], body: bytes
) -> aiohttp.ClientResponse:
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
    return response


async def run_step(
    http: aiohttp.ClientSession,
    inbox: str,
    requests: list[tuple[dict[str, str], bytes]],
    concurrency: int,
    seconds: float,
    server_pid: int,
    alongside: Callable[[], Awaitable[object]] | None = None,
) -> Step:
    """Send ``requests`` (taken from the end) from ``concurrency`` senders for ``seconds``;
    with ``alongside``, each sender also sends that beside each of its requests."""
    latencies: list[float] = []
    accepted = sent = 0
    deadline = time.perf_counter() + seconds

    async def sender() -> None:
        nonlocal accepted, sent
        while requests and time.perf_counter() < deadline:
            headers, body = requests.pop()
            started = time.perf_counter()
            if alongside is None:
                response = await _post(http, inbox, headers, body)
            else:
                response, _ = await asyncio.gather(_post(http, inbox, headers, body), alongside())
            latencies.append(time.perf_counter() - started)
            sent += 1
            accepted += response.status == 202

    began, cpu = time.perf_counter(), process_cpu_seconds(server_pid)
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    return Step(
        concurrency, sent, accepted, elapsed, latencies, process_cpu_seconds(server_pid) - cpu
    )


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
    profiler = cProfile.Profile() if args.profile else None
    print("ready", flush=True)
    if profiler is not None:
        profiler.enable()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    await runner.cleanup()


@dataclass(frozen=True)
class Ramp:
    """One server's run: the first request of each actor, then the measured steps."""

    first_sight: Step
    steps: list[Step]

    @property
    def best(self) -> Step | None:
        """The fastest step at p99 <= 50 ms."""
        within = [s for s in self.steps if percentile(s.latencies, 99) <= 0.05]
        return max(within, key=lambda s: s.rate) if within else None

    @property
    def accepted(self) -> int:
        return self.first_sight.accepted + sum(s.accepted for s in self.steps)

    def rows(self) -> list[tuple[str, str]]:
        best = self.best
        return [
            ("first request of each actor", self.first_sight.row()[1]),
            *[s.row() for s in self.steps],
            (
                "best at p99 <= 50 ms",
                "no step met p99 <= 50 ms"
                if best is None
                else f"{best.rate:,.0f} accepted/s at {best.concurrency} in flight",
            ),
        ]


async def _ramp(
    inbox: str,
    requests: list[tuple[dict[str, str], bytes]],
    args: argparse.Namespace,
    server_pid: int,
) -> Ramp:
    """One activity from each actor first, so the server holds every key (S3 measures
    cached keys; that first sight is reported apart), then the rising steps."""
    levels = [int(level) for level in args.levels.split(",")]
    steps: list[Step] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=max(levels))) as http:
        warmup = requests[-args.actors :]
        del requests[-args.actors :]
        first_sight = await run_step(http, inbox, warmup, levels[0], math.inf, server_pid)
        for level in levels:
            if not requests:
                break
            steps.append(await run_step(http, inbox, requests, level, args.seconds, server_pid))
            if percentile(steps[-1].latencies, 99) > 0.1:
                break
    return Ramp(first_sight, steps)


@asynccontextmanager
async def serving_node(
    args: argparse.Namespace, database: BenchDatabase, port: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The node serving ``database`` on ``port`` in its own process, until the block ends."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.s3_inbox",
        "--serve",
        *("--port", str(port), "--url", database.url, "--schema", database.schema or ""),
        *("--workdir", str(database.workdir)),
        *(["--profile", args.profile] if getattr(args, "profile", None) else []),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    await child.stdout.readline()
    try:
        yield child
    finally:
        child.stdin.close()
        await child.wait()


@asynccontextmanager
async def serving_inbox(database: BenchDatabase) -> AsyncIterator[str]:
    """The node's web process as ``serving_node`` starts it, on a free port; yields its
    inbox URL."""
    port = free_port()
    async with serving_node(argparse.Namespace(), database, port):
        yield f"http://127.0.0.1:{port}/inbox"


async def queued_rows(database: BenchDatabase) -> int:
    engine = database.engine()
    try:
        async with create_sessionmaker(engine)() as session:
            return await session.scalar(select(func.count()).select_from(InboxItem)) or 0
    finally:
        await engine.dispose()


async def _kinfolk(
    args: argparse.Namespace, database: BenchDatabase, keys: list[rsa.RSAPrivateKey]
) -> tuple[Ramp, int, float]:
    """Our node's ramp, how many rows it queued, and the seconds pre-signing took."""
    await seed(database, args.actors, args.hosts, keys)
    port = free_port()
    inbox = f"http://127.0.0.1:{port}/inbox"
    started = time.perf_counter()
    requests = presign(args.requests, args.actors, args.hosts, keys, inbox)
    presign_seconds = time.perf_counter() - started
    async with serving_node(args, database, port) as child:
        ramp = await _ramp(inbox, requests, args, child.pid)
    return ramp, await queued_rows(database), presign_seconds


async def _fedify(
    args: argparse.Namespace, database: BenchDatabase, keys: list[rsa.RSAPrivateKey]
) -> tuple[Ramp, int] | str:
    """The Fedify peer's ramp under the same load and how many it recorded, or why not."""
    if args.no_fedify:
        return "skipped (--no-fedify)"
    if problem := peer_missing():
        return f"skipped: {problem}"
    port = free_port()
    async with fedify_peer(keys, args.actors, port, database.workdir) as peer:
        requests = presign(
            args.fedify_requests,
            args.actors,
            args.hosts,
            keys,
            peer.inbox,
            actor_of=lambda index, hosts: fedify_actor(peer.actors_origin, index, hosts),
        )
        ramp = await _ramp(peer.inbox, requests, args, peer.pid)
    return ramp, recorded(database.workdir)


def _side_by_side(ours: Ramp, theirs: tuple[Ramp, int] | str) -> list[tuple[str, str]]:
    if isinstance(theirs, str):
        return [("Fedify peer", theirs)]
    ramp, recorded_count = theirs
    rows = [(f"Fedify: {name}", value) for name, value in ramp.rows()]
    rows.append(
        (
            "Fedify: recorded",
            f"{recorded_count} activities verified and recorded (202 answers {ramp.accepted})",
        )
    )
    mine, its = ours.best, ramp.best
    if mine is not None and its is not None:
        rows.append(
            (
                "Kinfolk / Fedify",
                f"{mine.rate / its.rate:.2f} (best at p99 <= 50 ms: {mine.rate:,.0f} at "
                f"{mine.concurrency} in flight vs {its.rate:,.0f} at {its.concurrency})",
            )
        )
    same = {s.concurrency: s for s in ramp.steps}
    for step in ours.steps:
        other = same.get(step.concurrency)
        if other is not None:
            rows.append(
                (
                    f"Kinfolk / Fedify at {step.concurrency:>3} in flight",
                    f"{step.rate / other.rate:5.2f} x the accepted/s, p99 "
                    f"{percentile(step.latencies, 99) * 1000:.1f} vs "
                    f"{percentile(other.latencies, 99) * 1000:.1f} ms",
                )
            )
    return rows


async def run(args: argparse.Namespace) -> None:
    calibration = await calibrate()
    keys = [generate_rsa_key() for _ in range(args.keys)]
    async with bench_database(args) as database:
        ours, queued, presign_seconds = await _kinfolk(args, database, keys)
        theirs = await _fedify(args, database, keys)
    best = ours.best
    report(
        f"S3 inbox throughput ({database.backend})",
        [
            *calibration.rows(),
            (
                "set-up",
                f"{args.actors} actors on {args.hosts} nodes, {args.keys} RSA-2048 keys, "
                f"{args.requests} activities pre-signed in {presign_seconds:.1f} s",
            ),
            *ours.rows(),
            (
                "ratio to R_srv",
                "n/a" if best is None else f"{best.rate / calibration.r_srv:.2f}",
            ),
            (
                "lost after 202",
                f"{ours.accepted - queued} (202 answers {ours.accepted}, queued rows {queued})",
            ),
            *_side_by_side(ours, theirs),
        ],
    )


def add_signer_arguments(parser: argparse.ArgumentParser) -> None:
    """S3's remote population, shared by the scenarios that send its signed load."""
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--keys", type=int, default=20, help="distinct RSA keys among the actors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    add_signer_arguments(parser)
    parser.add_argument("--requests", type=int, default=50000, help="activities to pre-sign")
    parser.add_argument("--levels", default="8,16,32,64,128", help="concurrency steps")
    parser.add_argument("--seconds", type=float, default=2.5, help="length of each step")
    parser.add_argument(
        "--fedify-requests", type=int, default=20000, help="activities pre-signed for Fedify"
    )
    parser.add_argument(
        "--no-fedify", action="store_true", help="do not run the Fedify peer (no node/npm here)"
    )
    parser.add_argument(
        "--profile", metavar="PATH", help="write a cProfile of the serving process to PATH"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    event_loop.run(_serve_child(args) if args.serve else run(args))


if __name__ == "__main__":
    main()
