"""S1: one group post fans out to 10,000 followers on 500 nodes at 100 ms each.

Design note: the followers are spread Zipf-like (one node holds 2,000, the long
tail a handful each) and every one is listed by its node's shared inbox, as
the caller of ``enqueue`` does, so the queue must collapse 10,000 entries into
exactly 500 requests. The node's delivery worker runs in this process (like
``kinfolk serve``'s embedded worker) against a temp SQLite database (or
PostgreSQL with ``--postgres``); the 500 nodes are one fake-fediverse process.
Timing starts before the enqueue transaction and ends at the last arrival the
fake fediverse recorded. Ideal = latency x ceil(nodes / max_in_flight): the time
``max_in_flight`` slots need at that latency with zero overhead.

With ``--workers N`` the delivery runs in N worker processes (``kinfolk worker``)
instead; they poll every ``--idle-sleep`` seconds, since nothing wakes them.

``python -m bench.s1_fanout [--postgres] [--concurrency 128] [--workers N]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench import (
    BenchDatabase,
    WorkerProcess,
    add_database_arguments,
    bench_database,
    create_actor,
    delivery_client,
    percentile,
    report,
    run_scenario,
    sessions_for,
    wait_until,
)
from bench.fake_fediverse import FakeFediverse, NodeSpec
from bench.s0_calibration import Calibration, calibrate
from federation.delivery.worker import DeliveryConfig, DeliveryWorker
from federation.outbox.enqueue import enqueue


def zipf_counts(nodes: int, total: int, biggest: int) -> list[int]:
    """Followers per node: ``biggest`` on the first, Zipf-like down to 1, summing to ``total``."""
    low, high = 0.0, 4.0
    for _ in range(60):  # the exponent that makes the series sum to ``total``
        s = (low + high) / 2
        if sum(max(1.0, biggest / (i + 1) ** s) for i in range(nodes)) > total:
            low = s
        else:
            high = s
    counts = [max(1, round(biggest / (i + 1) ** s)) for i in range(nodes)]
    counts[0] = biggest
    surplus = total - sum(counts)
    step = 1 if surplus > 0 else -1
    i = 1
    while surplus:
        if counts[i] + step >= 1:
            counts[i] += step
            surplus -= step
        i = i % (nodes - 1) + 1
    return counts


@dataclass(frozen=True)
class FanoutResult:
    posts: int
    distinct_targets: int
    duplicates: int
    unsigned: int
    first: float
    median: float
    last: float
    enqueue_seconds: float
    cpu_seconds: float


async def fan_out_once(
    database: BenchDatabase,
    fediverse: FakeFediverse,
    counts: list[int],
    config: DeliveryConfig,
    workers: int = 0,
    deadline: float = 60.0,
) -> FanoutResult:
    """Queue one post to every follower and deliver it: in this process (``workers=0``,
    woken by ``notify``) or by that many worker processes (which poll)."""
    engine = database.engine()
    sessions = sessions_for(engine)
    actor_id, _ = await create_actor(sessions, datetime.now(UTC))
    inboxes = [fediverse.inbox(node) for node, n in enumerate(counts) for _ in range(n)]
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "http://node.bench/groups/circle/activities/announce-1",
        "type": "Announce",
        "actor": "http://node.bench/groups/circle",
        "object": "http://node.bench/posts/1",
        "content": "x" * 1500,
    }
    stop = asyncio.Event()
    children = [
        await WorkerProcess.start("bench.s1_fanout", database, config) for _ in range(workers)
    ]
    async with delivery_client(config) as http:
        worker = DeliveryWorker(sessions, http, lambda: datetime.now(UTC), config)
        running = asyncio.create_task(worker.run(stop)) if not workers else None
        await warm_up(sessions, worker, fediverse, actor_id, len(counts), workers or 1)
        started, cpu = time.time(), time.process_time()
        async with sessions.begin() as session:
            await enqueue(
                session,
                actor_id=actor_id,
                activity=activity,
                inboxes=inboxes,
                object_uri=str(activity["object"]),
                now=datetime.now(UTC),
            )
        enqueued = time.time()
        worker.notify()

        async def everyone_has_it() -> bool:
            return await fediverse.count() >= len(counts)

        await wait_until(everyone_has_it, deadline=time.monotonic() + deadline, poll=0.05)
        cpu = time.process_time() - cpu
        stop.set()
        if running is not None:
            await running
    cpu += sum([await child.stop() for child in children])
    await engine.dispose()
    records = await fediverse.records()
    arrivals = sorted(r[4] - started for r in records)
    per_target = Counter((r[0], r[1]) for r in records)
    return FanoutResult(
        posts=len(records),
        distinct_targets=len(per_target),
        duplicates=sum(n - 1 for n in per_target.values()),
        unsigned=sum(r[2] == "unsigned" for r in records),
        first=arrivals[0] if arrivals else math.nan,
        median=percentile(arrivals, 50),
        last=arrivals[-1] if arrivals else math.nan,
        enqueue_seconds=enqueued - started,
        cpu_seconds=cpu,
    )


async def warm_up(
    sessions: async_sessionmaker[AsyncSession],
    worker: DeliveryWorker,
    fediverse: FakeFediverse,
    actor_id: int,
    spare_node: int,
    workers: int,
) -> None:
    """A first post to the spare node, so the measured one meets a running node: the
    actor's keys loaded, the queries prepared (one per worker, which need not be each)."""
    for n in range(workers):
        async with sessions.begin() as session:
            await enqueue(
                session,
                actor_id=actor_id,
                activity={"id": f"http://node.bench/groups/circle/activities/warm-up-{n}"},
                inboxes=[fediverse.inbox(spare_node, f"/warm-up/{n}")],
                object_uri=None,
                now=datetime.now(UTC),
            )
    worker.notify()

    async def arrived() -> bool:
        return await fediverse.count() >= workers

    await wait_until(arrived, deadline=time.monotonic() + 30, poll=0.05)
    await asyncio.sleep(0.5)  # let the outcomes be recorded before the measured run
    await fediverse.reset()


def result_rows(
    result: FanoutResult,
    nodes: int,
    latency: float,
    slots: int,
    calib: Calibration,
) -> list[tuple[str, str]]:
    ideal = latency * math.ceil(nodes / slots)
    rate = result.posts / result.last if result.last > 0 else math.nan
    times = f"{result.first:.3f} / {result.median:.3f} / {result.last:.3f} s"
    return [
        ("POSTs (want exactly one per node)", f"{result.posts} for {nodes} nodes"),
        ("duplicates", str(result.duplicates)),
        ("unsigned requests", str(result.unsigned)),
        ("enqueue (10,000 followers -> rows)", f"{result.enqueue_seconds * 1000:.0f} ms"),
        ("first / median / last delivery", times),
        ("ideal = latency x ceil(nodes/slots)", f"{ideal:.3f} s ({slots} slots)"),
        ("last / ideal", f"{result.last / ideal:.2f} (target <= 1.5, and last < 1 s)"),
        ("CPU-seconds (node's processes)", f"{result.cpu_seconds:.2f} (target <= 0.5 per post)"),
        ("delivery rate / R_cli", f"{rate:,.0f} / {calib.r_cli:,.0f} = {rate / calib.r_cli:.2f}"),
    ]


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    counts = zipf_counts(args.nodes, args.followers, args.biggest)
    config = DeliveryConfig(idle_sleep=args.idle_sleep).with_slots(args.concurrency)
    slots = config.max_in_flight * max(1, args.workers)
    async with bench_database(args) as database:
        specs = [NodeSpec(latency=args.latency) for _ in range(len(counts) + 1)]  # + warm-up
        async with FakeFediverse(specs, database.workdir / "nodes.json") as fediverse:
            result = await fan_out_once(database, fediverse, counts, config, args.workers)
        spread = f"max {max(counts)}, median {sorted(counts)[len(counts) // 2]}, min {min(counts)}"
        rows = [
            ("database", database.backend),
            ("delivery workers", f"{args.workers} processes" if args.workers else "in-process"),
            ("followers / nodes", f"{sum(counts):,} / {len(counts)} ({spread})"),
            ("latency per node", f"{args.latency * 1000:.0f} ms"),
            *result_rows(result, len(counts), args.latency, slots, calib),
        ]
        report("S1 group fan-out", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--biggest", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=DeliveryConfig().max_in_flight)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: in-process)")
    parser.add_argument("--idle-sleep", type=float, default=DeliveryConfig().idle_sleep)
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
