"""S5: dead and slow nodes. Do the healthy nodes still get a post as fast as in S1?

Design note: two fan-outs in one run, each on a fresh database: S1 as it is,
then S1 where every tenth node accepts the connection and never answers
(``hang``) and every tenth other answers 503. The delivery worker runs in this
process, as in S1, so a sampler can read what it has in flight per host every
few milliseconds (``DeliveryWorker.slots_per_host``): the most slots the
dead nodes held at once, as a share of ``max_in_flight``. The healthy nodes'
last arrival is compared with S1's (target <= 1.2 x). Then ``--more-posts``
posts follow one another (each waits for the healthy nodes): a 503 node
receives one request per post until its breaker opens, so the most requests
any 503 node received is the number of consecutive failures that opened it
(target <= 10); the destinations table shows the breakers open.

``python -m bench.s5_dead_nodes [--postgres] [--nodes 500] [--more-posts 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from bench import (
    BenchDatabase,
    add_database_arguments,
    bench_database,
    create_actor,
    delivery_client,
    introduce_peers,
    queue_announce,
    report,
    run_scenario,
    sessions_for,
    wait_until,
)
from bench.fake_fediverse import FakeFediverse, NodeSpec
from bench.s0_calibration import calibrate
from bench.s1_fanout import warm_up, zipf_counts
from federation.delivery.destinations import host_of
from federation.delivery.worker import DeliveryConfig, DeliveryWorker
from federation.tables import Destination


def node_modes(nodes: int) -> list[str]:
    """Every tenth node hangs, every tenth other answers 503 (the biggest node stays up)."""
    return ["hang" if n % 10 == 5 else "503" if n % 10 == 7 else "ok" for n in range(nodes)]


@dataclass(frozen=True)
class Fanout:
    healthy_last: float  # seconds from the first post's enqueue to its last healthy arrival
    dead_share: float  # most slots held at once by hanging nodes / max_in_flight
    requests_per_503: Counter[int]  # node -> requests received over all posts
    breakers_open: int  # 503 nodes whose breaker is open at the end
    posts: int


async def fan_out(
    database: BenchDatabase,
    fediverse: FakeFediverse,
    counts: list[int],
    modes: list[str],
    config: DeliveryConfig,
    posts: int,
) -> Fanout:
    engine = database.engine()
    sessions = sessions_for(engine)
    actor_id, _ = await create_actor(sessions, datetime.now(UTC))
    nodes = len(counts)
    await introduce_peers(database, [fediverse.inbox(n) for n in range(nodes + 1)], "kinfolk")
    healthy = {n for n in range(nodes) if modes[n] == "ok"}
    hanging = {fediverse.host(n) for n in range(nodes) if modes[n] == "hang"}
    inboxes = [fediverse.inbox(node) for node, n in enumerate(counts) for _ in range(n)]
    dead_most = 0
    async with delivery_client(config) as http:
        worker = DeliveryWorker(sessions, http, lambda: datetime.now(UTC), config)
        running = asyncio.create_task(worker.run(asyncio.Event()))
        await warm_up(sessions, worker, fediverse, actor_id, nodes, 1)

        async def sample() -> None:
            nonlocal dead_most
            while True:
                held = worker.slots_per_host()
                dead_most = max(dead_most, sum(held.get(host, 0) for host in hanging))
                await asyncio.sleep(0.002)

        sampler = asyncio.create_task(sample())
        started = time.time()
        last_healthy = 0.0
        for post in range(posts):
            await queue_announce(sessions, actor_id, post, inboxes, datetime.now(UTC))
            worker.notify()
            records: list[tuple[int, float]] = []

            async def healthy_have_it(post: int = post) -> bool:
                nonlocal records
                records = [
                    (r[0], r[4])
                    for r in await fediverse.records()
                    if r[0] in healthy and r[1].endswith(f"announce-{post}")
                ]
                return len(records) >= len(healthy)

            await wait_until(healthy_have_it, deadline=time.monotonic() + 60, poll=0.05)
            if post == 0:
                last_healthy = max((at for _, at in records), default=started) - started
        # Stop at once: the hanging nodes' requests would hold the worker for their timeout.
        for task in (sampler, running):
            task.cancel()
        await asyncio.gather(sampler, running, return_exceptions=True)
    requests = Counter(r[0] for r in await fediverse.records() if modes[r[0]] == "503")
    failing = {host_of(fediverse.inbox(n)) for n in range(nodes) if modes[n] == "503"}
    now = datetime.now(UTC)
    async with sessions() as session:
        rows = await session.execute(
            select(Destination.host, Destination.backoff_until).where(Destination.host.in_(failing))
        )
        open_breakers = sum(1 for _, until in rows if until is not None and until > now)
    await engine.dispose()
    return Fanout(last_healthy, dead_most / config.max_in_flight, requests, open_breakers, posts)


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    counts = zipf_counts(args.nodes, args.followers, args.biggest)
    config = DeliveryConfig().with_slots(args.concurrency)
    results: dict[str, Fanout] = {}
    runs = (("S1", ["ok"] * len(counts), 1), ("S5", node_modes(len(counts)), 1 + args.more_posts))
    for name, modes, posts in runs:
        async with bench_database(args) as database:
            specs = [NodeSpec(args.latency, mode) for mode in [*modes, "ok"]]  # + warm-up
            async with FakeFediverse(specs, database.workdir / "nodes.json") as fediverse:
                results[name] = await fan_out(database, fediverse, counts, modes, config, posts)
    s1, s5 = results["S1"], results["S5"]
    modes = node_modes(len(counts))
    failing = [n for n, mode in enumerate(modes) if mode == "503"]
    most = max((s5.requests_per_503[n] for n in failing), default=0)
    report(
        f"S5 dead and slow nodes ({database.backend})",
        [
            (
                "nodes",
                f"{len(counts)}: {modes.count('ok')} healthy, {modes.count('hang')} never answer, "
                f"{len(failing)} answer 503; {args.latency * 1000:.0f} ms; "
                f"{config.max_in_flight} slots",
            ),
            ("S1: last arrival", f"{s1.healthy_last:.3f} s"),
            (
                "S5: healthy nodes' last arrival",
                f"{s5.healthy_last:.3f} s = {s5.healthy_last / s1.healthy_last:.2f} x S1 "
                "(target <= 1.2)",
            ),
            (
                "most slots held by dead nodes",
                f"{s5.dead_share * 100:.1f} % of {config.max_in_flight} (target <= 10 %)",
            ),
            (
                "requests per 503 node",
                f"most {most} over {s5.posts} posts (consecutive failures before the breaker "
                f"opens; threshold {config.breaker_threshold}, target <= 10)",
            ),
            ("503 nodes with an open breaker", f"{s5.breakers_open} of {len(failing)}"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--biggest", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=DeliveryConfig().max_in_flight)
    parser.add_argument("--more-posts", type=int, default=10, help="posts after the first")
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
