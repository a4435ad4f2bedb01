"""S2: a far node under sustained traffic: 20 activities/s, one node at 556 ms, 99 at 100 ms.

Design note: the producer (this process, like the web process) commits one
activity every 1/rate seconds, each to every node's shared inbox, while
``--workers`` delivery processes (``kinfolk worker``) send them. Every tenth
pair of activities is an Update then a Delete of the object created just
before, queued 50 ms apart, so per-object ordering is exercised while several
requests are in flight to the far node: one-at-a-time sending would cap it at
1.8 activities/s and fall minutes behind. Lag = arrival at the fake node minus
the producer's commit; the order check replays each node's arrivals per object.
After the producing period the run waits (bounded) for the queue to drain.

Sizing: a slot is held for the round trip plus, on a busy worker, about a
quarter of a second of signing queue and the round that hands it on, so
2,000 deliveries/s at 100 ms need some 700 slots (Little's law). The default is
the configuration README.md recommends for such a node: 1,024 slots in all, in
one worker process on SQLite (one writer: more processes queue for it) and in
two on PostgreSQL (one process's event loop is then the limit).

Signatures: by default the simulated nodes are Kinfolk nodes (``--peers
kinfolk``): they advertise RFC 9421 with Ed25519 (FEP-844e), as fetching one of
their actors would teach the sender, so each delivery is signed with Ed25519.
``--peers unknown`` makes them nodes that advertise nothing (Lemmy, Mbin, an
older Mastodon): draft-cavage RSA-2048, ten times the signing CPU. On
PostgreSQL, where the server's autovacuum is off (as on our machines), the run
vacuums the queue tables once a minute in its stead (``autovacuum_stand_in``).

``python -m bench.s2_far_node [--postgres] [--seconds 30 | --full] [--workers N]
[--concurrency SLOTS_PER_WORKER] [--peers kinfolk|unknown]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bench import (
    BenchDatabase,
    WorkerProcess,
    add_database_arguments,
    add_peer_arguments,
    autovacuum_stand_in,
    bench_database,
    create_actor,
    introduce_peers,
    percentile,
    report,
    run_scenario,
    sessions_for,
    wait_until,
)
from bench.fake_fediverse import FakeFediverse, NodeSpec, Record
from bench.s0_calibration import calibrate
from federation.delivery.worker import DeliveryConfig
from federation.outbox.enqueue import enqueue
from federation.tables import Delivery, QueueState

ACTOR = "http://node.bench/groups/circle"
ORDER = {"Create": 0, "Update": 1, "Delete": 2}
TOTAL_SLOTS = 1024
SIGNATURES = {"kinfolk": "RFC 9421 Ed25519", "unknown": "draft-cavage RSA-2048"}


def activity_for(k: int) -> tuple[dict[str, Any], str]:
    """Activity number ``k``: Creates, and per ten an Update and a Delete of the last one."""
    phase, base = k % 10, k - k % 10
    kind, target = "Create", k
    if phase == 8:
        kind, target = "Update", base + 7
    elif phase == 9:
        kind, target = "Delete", base + 7
    uri = f"http://node.bench/posts/{target}"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{ACTOR}/activities/{k}",
        "type": kind,
        "actor": ACTOR,
        "object": uri,
        "content": "x" * 1500,
    }
    return activity, uri


async def produce(
    database: BenchDatabase, fediverse: FakeFediverse, rate: float, seconds: float
) -> tuple[dict[str, float], float]:
    """Commit ``rate`` activities/s for ``seconds``; their commit times, and producer CPU."""
    engine = database.engine()
    sessions = sessions_for(engine)
    actor_id, _ = await create_actor(sessions, datetime.now(UTC))
    inboxes = [fediverse.inbox(node) for node in range(len(fediverse.ports))]
    committed: dict[str, float] = {}
    cpu, start = time.process_time(), time.monotonic()
    for k in range(int(rate * seconds)):
        delay = start + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        activity, uri = activity_for(k)
        async with sessions.begin() as session:
            await enqueue(
                session,
                actor_id=actor_id,
                activity=activity,
                inboxes=inboxes,
                object_uri=uri,
                now=datetime.now(UTC),
            )
        committed[str(activity["id"])] = time.time()
    cpu = time.process_time() - cpu
    await engine.dispose()
    return committed, cpu


async def queued(database: BenchDatabase) -> int:
    engine = database.engine()
    async with sessions_for(engine)() as session:
        count = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.state == QueueState.QUEUED)
        )
    await engine.dispose()
    return int(count or 0)


def order_violations(records: list[Record]) -> int:
    """Arrivals of an Update/Delete before an earlier-queued activity on the same object."""
    seen: dict[tuple[int, str], int] = defaultdict(lambda: -1)
    violations = 0
    for node, _, kind, obj, _ in sorted(records, key=lambda r: r[4]):
        rank = ORDER.get(kind, 0)
        if rank < seen[node, obj]:
            violations += 1
        seen[node, obj] = max(seen[node, obj], rank)
    return violations


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    seconds = 120.0 if args.full else args.seconds
    if args.workers is None:
        args.workers = 2 if args.postgres else 1
    if args.concurrency is None:
        args.concurrency = TOTAL_SLOTS // args.workers
    config = DeliveryConfig().with_slots(args.concurrency)
    specs = [NodeSpec(latency=args.far_latency)] + [NodeSpec(latency=0.1)] * args.near_nodes
    async with bench_database(args) as database:
        async with FakeFediverse(specs, database.workdir / "nodes.json") as fediverse:
            inboxes = [fediverse.inbox(node) for node in range(len(specs))]
            await introduce_peers(database, inboxes, args.peers)
            workers = [
                await WorkerProcess.start("bench.s2_far_node", database, config)
                for _ in range(args.workers)
            ]
            async with autovacuum_stand_in(database) as vacuuming:
                producing = time.monotonic()
                committed, producer_cpu = await produce(database, fediverse, args.rate, seconds)
                produced_at = time.monotonic()
                producing = produced_at - producing

                async def drained() -> bool:
                    return await queued(database) == 0

                await wait_until(drained, deadline=produced_at + args.drain, poll=0.1)
            drain_seconds = time.monotonic() - produced_at
            left = await queued(database)
            worker_cpu = sum([await w.stop() for w in workers])
            records = await fediverse.records()
        rows = summarise(records, committed, len(specs), seconds, args.rate)
        expected = len(committed) * len(specs)
        rate = len(records) / seconds
        rows += [
            (
                "database / worker processes x slots",
                f"{database.backend} / {args.workers} x {args.concurrency}",
            ),
            ("peers (--peers): signatures sent", f"{args.peers}: {SIGNATURES[args.peers]}"),
            ("PostgreSQL autovacuum", vacuuming),
            ("deliveries arrived / expected", f"{len(records):,} / {expected:,} ({left} queued)"),
            ("producing took (enqueue keeps pace?)", f"{producing:.1f} s for {seconds:g} s"),
            ("drain after producing stopped", f"{drain_seconds:.1f} s (at most --drain)"),
            ("CPU-seconds: workers + producer", f"{worker_cpu:.1f} + {producer_cpu:.1f}"),
            ("CPU-ms per delivery (workers)", f"{1000 * worker_cpu / max(1, len(records)):.2f}"),
            (
                "delivery rate / R_cli",
                f"{rate:,.0f} / {calib.r_cli:,.0f} = {rate / calib.r_cli:.2f}",
            ),
        ]
        report(f"S2 far node ({args.rate:g} activities/s for {seconds:g} s)", rows)


def summarise(
    records: list[Record], committed: dict[str, float], nodes: int, seconds: float, rate: float
) -> list[tuple[str, str]]:
    lags: dict[str, list[float]] = defaultdict(list)
    for node, activity, kind, _, arrived in records:
        if activity in committed:
            lag = arrived - committed[activity]
            lags["all"].append(lag)
            lags["far" if node == 0 else "near"].append(lag)
            lags[kind].append(lag)

    def line(name: str) -> str:
        values = lags[name]
        return (
            f"p50 {percentile(values, 50):.3f} s, p99 {percentile(values, 99):.3f} s, "
            f"max {max(values, default=float('nan')):.3f} s ({len(values):,})"
        )

    far = sum(1 for r in records if r[0] == 0)
    start = min(committed.values(), default=0.0)
    windows: dict[int, list[float]] = defaultdict(list)
    for _, activity, _, _, arrived in records:
        if activity in committed:
            windows[int((committed[activity] - start) // 10)].append(arrived - committed[activity])
    trend = ", ".join(f"{percentile(windows[w], 99):.2f}" for w in sorted(windows))
    return [
        ("nodes (1 far + near)", str(nodes)),
        ("far node received", f"{far:,} of {len(committed):,} activities"),
        ("lag, all deliveries", line("all")),
        ("lag, far node (556 ms)", line("far")),
        ("lag, near nodes (100 ms)", line("near")),
        ("lag, Creates", line("Create")),
        ("lag, Updates/Deletes (wait their turn)", f"{line('Update')} / {line('Delete')}"),
        ("order violations (Create<Update<Delete)", str(order_violations(records))),
        ("lag p99 per 10 s of producing", f"{trend} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    add_peer_arguments(parser)
    parser.add_argument("--seconds", type=float, default=30.0, help="producing period")
    parser.add_argument("--full", action="store_true", help="the full 120 s")
    parser.add_argument("--rate", type=float, default=20.0, help="activities per second")
    parser.add_argument("--near-nodes", type=int, default=99)
    parser.add_argument("--far-latency", type=float, default=0.556)
    parser.add_argument(
        "--workers",
        type=int,
        help="delivery worker processes (default: 1 on SQLite, 2 on PostgreSQL)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        help=f"requests in flight per worker, KINFOLK_DELIVERY_CONCURRENCY "
        f"(default: {TOTAL_SLOTS:,} shared among the workers)",
    )
    parser.add_argument("--drain", type=float, default=10.0, help="most seconds to wait at the end")
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
