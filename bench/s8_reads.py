"""S8: page latency under write load. Do group and home pages stay fast while the node writes?

Design note: the node holds 2,000 members, 50 groups and 200,000 posts
(``bench.s8_seed``). It runs as an admin would run it at that size: on SQLite
one ``serve`` process and one delivery worker process; on PostgreSQL two
``serve`` processes (each on its own port, as behind a reverse proxy: this
process's client takes them in turn) and two delivery workers. Signed-in
members ask for group pages (one of their groups) and the home page, 7 to 3,
at a fixed rate (default 200/s, open loop: a slow answer does not slow the
next request). The same page mix is measured twice in one run:

- unloaded: pages only;
- loaded: S3's signed inbox load at half the rate S3 reached in this run (a
  short ramp first, at p99 <= 50 ms), and every 5 s an S1 fan-out (one post to
  10,000 followers on 500 nodes, 100 ms each) queued by this process and sent
  by the workers to the fake fediverse.

No inbox worker runs (as in S3): accepted activities wait in the queue.

``python -m bench.s8_reads [--postgres] [--rate 200] [--seconds 15]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.exc import OperationalError

from bench import (
    BenchDatabase,
    WorkerProcess,
    add_database_arguments,
    bench_database,
    create_actor,
    percentile,
    process_cpu_seconds,
    report,
    run_scenario,
    sessions_for,
    wait_until,
)
from bench.cluster import free_port
from bench.fake_fediverse import FakeFediverse, NodeSpec
from bench.s0_calibration import calibrate
from bench.s1_fanout import zipf_counts
from bench.s3_inbox import add_signer_arguments, presign, run_step, seed
from bench.s8_seed import groups_of, member_token, seeded
from federation.delivery.worker import DeliveryConfig
from federation.outbox.enqueue import enqueue
from federation.signing.keys import generate_rsa_key
from node.site import Site
from tests.conftest import cheap_passwords
from web.app import create_app
from web.config import Settings
from web.pages.session import SESSION_COOKIE

SITE = Site("http://node.bench")
FANOUT_EVERY = 5.0
RAMP = (8, 16, 32)
PAGE_TIMEOUT = 30.0  # seconds: an overloaded node's page counts as failed, not waited for
PageRequest = tuple[str, str, dict[str, str]]  # kind, URL, headers


@dataclass
class Latencies:
    """Answers by page kind: seconds each, and how many were not 200."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {"group": [], "home": []})
    failed: int = 0

    def all(self) -> list[float]:
        return [s for values in self.seconds.values() for s in values]


def _cpu_seconds(processes: list[asyncio.subprocess.Process]) -> float:
    """User + system CPU the processes have used so far: a page's cost in CPU is what a
    busy shared machine leaves intact, unlike its latency."""
    return sum(process_cpu_seconds(process.pid) for process in processes)


async def _serve_child(args: argparse.Namespace) -> None:
    """One ``serve`` process of the node (no embedded worker: the workers are their own)."""
    settings = Settings(
        base_url=SITE.base_url,
        data_dir=Path(args.workdir),
        database_url=args.url,
        database_schema=args.schema or None,
        secret_key="bench-" + "x" * 40,
        embedded_worker=False,
        log_level="WARNING",
    )
    runner = web.AppRunner(create_app(settings, passwords=cheap_passwords()), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024).start()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


async def _start_server(database: BenchDatabase, port: int) -> asyncio.subprocess.Process:
    child = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.s8_reads", "--serve", "--port", str(port)),
        *("--url", database.url, "--schema", database.schema or ""),
        *("--workdir", str(database.workdir)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,  # an overloaded node's 500s are counted, not logged
    )
    assert child.stdout is not None
    if not await child.stdout.readline():
        raise RuntimeError(f"the serve process exited with {await child.wait()}")
    return child


def _page_requests(ports: list[int], members: int, groups: int, count: int) -> list[PageRequest]:
    """``count`` (kind, url, cookie) requests: members picked at random, 70 % group pages."""
    chosen = random.Random(8)
    requests = []
    for n in range(count):
        member = chosen.randrange(members)
        base = f"http://127.0.0.1:{ports[n % len(ports)]}"
        cookie = {"Cookie": f"{SESSION_COOKIE}={member_token(member)}", "Accept": "text/html"}
        if chosen.random() < 0.7:
            group = chosen.choice(groups_of(member, groups))
            requests.append(("group", f"{base}/groups/g{group}", cookie))
        else:
            requests.append(("home", f"{base}/", cookie))
    return requests


async def _open_loop(
    rate: float, seconds: float, send: Callable[[int], Coroutine[Any, Any, None]]
) -> None:
    """Call ``send(n)`` ``rate`` times a second for ``seconds``, each on its own task."""
    started = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    for n in range(int(rate * seconds)):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(n)))
    await asyncio.gather(*tasks)


async def _pages(
    http: aiohttp.ClientSession,
    requests: list[PageRequest],
    rate: float,
    seconds: float,
) -> Latencies:
    latencies = Latencies()

    async def send(n: int) -> None:
        kind, url, headers = requests[n % len(requests)]
        started = time.perf_counter()
        status = None
        try:
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):  # given up after PAGE_TIMEOUT: counted
            pass
        latencies.seconds[kind].append(time.perf_counter() - started)
        latencies.failed += status != 200

    await _open_loop(rate, seconds, send)
    return latencies


def _ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:5.1f} ms   p99 {percentile(values, 99) * 1000:6.1f} ms"
    )


async def run(args: argparse.Namespace) -> None:
    if args.serve:
        await _serve_child(args)
        return
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    async with bench_database(args) as database:
        await _measure(args, database)


async def _measure(args: argparse.Namespace, database: BenchDatabase) -> None:
    how = await seeded(database, SITE, args.members, args.groups, args.posts)
    keys = [generate_rsa_key() for _ in range(args.keys)]
    await seed(database, args.actors, args.hosts, keys)
    postgres = database.schema is not None
    ports = [free_port() for _ in range(2 if postgres else 1)]
    servers = [await _start_server(database, port) for port in ports]
    config = DeliveryConfig()
    workers = [
        await WorkerProcess.start("bench.s8_reads", database, config)
        for _ in range(2 if postgres else 1)
    ]
    counts = zipf_counts(500, 10_000, 2_000)
    specs = [NodeSpec(latency=0.1) for _ in counts]
    engine = database.engine()
    sessions = sessions_for(engine)
    actor_id, _ = await create_actor(sessions, datetime.now(UTC))
    requests = _page_requests(ports, args.members, args.groups, 5_000)
    inbox_urls = [f"http://127.0.0.1:{port}/inbox" for port in ports]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=PAGE_TIMEOUT)
    try:
        async with (
            FakeFediverse(specs, database.workdir / "nodes.json") as fediverse,
            aiohttp.ClientSession(connector=connector, timeout=timeout) as http,
        ):
            inboxes = [fediverse.inbox(node) for node, n in enumerate(counts) for _ in range(n)]

            async def fan_out(n: int) -> None:
                activity = {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": f"{SITE.base_url}/groups/circle/activities/s8-{n}",
                    "type": "Announce",
                    "actor": f"{SITE.base_url}/groups/circle",
                    "object": f"{SITE.base_url}/posts/s8-{n}",
                    "content": "x" * 1500,
                }
                async with sessions.begin() as session:
                    await enqueue(
                        session,
                        actor_id=actor_id,
                        activity=activity,
                        inboxes=inboxes,
                        object_uri=str(activity["object"]),
                        now=datetime.now(UTC),
                    )

            # Warm up: every page kind on every process, and a first fan-out delivered.
            await _pages(http, requests, args.rate, 2.0)
            await fan_out(-1)
            await wait_until(
                lambda: _arrived(fediverse, len(counts)), deadline=time.monotonic() + 30, poll=0.1
            )
            await fediverse.reset()
            # S3's ramp, to know its maximum on this node now.
            ramp_requests = presign(
                args.ramp_requests, args.actors, args.hosts, keys, inbox_urls[0]
            )
            steps = []
            for level in RAMP:
                steps.append(
                    await run_step(http, inbox_urls[0], ramp_requests, level, 2.0, servers[0].pid)
                )
            within = [s for s in steps if percentile(s.latencies, 99) <= 0.05] or steps[:1]
            inbox_max = max(s.rate for s in within)
            inbox_rate = inbox_max / 2
            signed = [
                (url, *request)
                for url in inbox_urls
                for request in presign(
                    int(inbox_rate * args.seconds / len(inbox_urls)) + 10,
                    args.actors,
                    args.hosts,
                    keys,
                    url,
                )
            ]
            random.Random(3).shuffle(signed)

            serve_cpu = _cpu_seconds(servers)
            unloaded = await _pages(http, requests, args.rate, args.seconds)
            serve_cpu = _cpu_seconds(servers) - serve_cpu

            inbox_seconds: list[float] = []
            inbox_refused = 0

            async def inbox(n: int) -> None:
                nonlocal inbox_refused
                url, headers, body = signed[n]
                started, status = time.perf_counter(), None
                try:
                    async with http.post(url, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    pass
                inbox_seconds.append(time.perf_counter() - started)
                inbox_refused += status != 202

            fanouts = int(args.seconds // FANOUT_EVERY) + 1
            fanout_started: dict[int, float] = {}
            unqueued = 0

            async def fan_out_timed(n: int) -> None:
                nonlocal unqueued
                fanout_started[n] = time.time()
                try:
                    await fan_out(n)
                except OperationalError:  # SQLite's writer lock not had within its retries
                    unqueued += 1

            load_started = time.perf_counter()
            loaded, _, _ = await asyncio.gather(
                _pages(http, requests, args.rate, args.seconds),
                _open_loop(inbox_rate, args.seconds, inbox),
                _open_loop(1 / FANOUT_EVERY, fanouts * FANOUT_EVERY, fan_out_timed),
            )
            load_seconds = time.perf_counter() - load_started
            await wait_until(
                lambda: _arrived(fediverse, (fanouts - unqueued) * len(counts)),
                deadline=time.monotonic() + 60,
                poll=0.1,
            )
            records = await fediverse.records()
    finally:
        for worker in workers:
            await worker.stop()
        for server in servers:
            assert server.stdin is not None
            server.stdin.close()
            await server.wait()
        await engine.dispose()
    last: dict[int, float] = {}
    for _node, activity_id, *_, arrived in records:
        n = int(activity_id.rsplit("-", 1)[1])
        last[n] = max(last.get(n, 0.0), arrived - fanout_started[n])
    unloaded_p99 = percentile(unloaded.all(), 99)
    loaded_p99 = percentile(loaded.all(), 99)
    rows = [
        ("database", database.backend),
        (
            "node's processes",
            f"{len(servers)} serve + {len(workers)} delivery worker(s), no inbox worker",
        ),
        ("seed", f"{args.members} members, {args.groups} groups, {args.posts:,} posts: {how}"),
        ("pages", f"{args.rate:g}/s for {args.seconds:g} s each phase, group 70 % / home 30 %"),
        *[s.row() for s in steps],
        (
            "S3 maximum here (p99 <= 50 ms)",
            f"{inbox_max:,.0f} accepted/s (the first step if none met it); load at half",
        ),
        (
            "serve CPU per page, unloaded",
            f"{serve_cpu / len(unloaded.all()) * 1000:.1f} ms "
            f"(so at most {len(unloaded.all()) / serve_cpu:,.0f} pages/s per core)",
        ),
        ("unloaded, all pages", _ms(unloaded.all())),
        *[(f"unloaded, {kind}", _ms(v)) for kind, v in unloaded.seconds.items()],
        ("loaded, all pages", _ms(loaded.all())),
        *[(f"loaded, {kind}", _ms(v)) for kind, v in loaded.seconds.items()],
        (
            "loaded p99 / unloaded p99",
            f"{loaded_p99 / unloaded_p99:.2f} (targets: p50 <= 10 ms, p99 <= 50 ms and <= 2x)",
        ),
        (
            "pages not answered 200",
            f"{unloaded.failed} unloaded, {loaded.failed} loaded (given up after "
            f"{PAGE_TIMEOUT:g} s: counted at that)",
        ),
        (
            "inbox during load",
            f"{len(inbox_seconds) / load_seconds:,.0f}/s sent, {_ms(inbox_seconds)}, "
            f"{inbox_refused} not 202",
        ),
        (
            "fan-outs during load",
            f"{len(last)} of {fanouts} ({unqueued} could not be queued), {len(records):,} POSTs "
            f"(want {(fanouts - unqueued) * len(counts):,}), "
            "last delivery " + ", ".join(f"{last[n]:.2f}" for n in sorted(last)) + " s",
        ),
    ]
    report("S8 reads under write load", rows)


async def _arrived(fediverse: FakeFediverse, count: int) -> bool:
    return await fediverse.count() >= count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=200, help="pages per second")
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    add_signer_arguments(parser)
    parser.add_argument("--ramp-requests", type=int, default=4000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
