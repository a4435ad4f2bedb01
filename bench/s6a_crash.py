"""S6(a): kill -9 the delivery worker half-way through S1, restart it, count what arrived.

Design note: the S1 post (10,000 followers, 500 nodes at 100 ms) is queued,
then a worker process (``kinfolk worker``) starts sending. When the fake
fediverse has recorded half of the 500 requests the worker gets SIGKILL: no
clean-up, its leases stay in the database. A new worker starts at once; it
sends every row that was never claimed straight away and the killed worker's
rows once their leases run out. The lease is short here (``--lease``, 5 s; 2 min
in production) so the run stays short. Duplicates can only be requests that
were in flight at the kill (they arrived, but their answers were never
recorded), so they are bounded by ``max_in_flight``; the report shows that
bound beside the figure.

``python -m bench.s6a_crash [--postgres] [--lease 5] [--concurrency 128]``
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench import (
    BenchDatabase,
    WorkerProcess,
    add_database_arguments,
    bench_database,
    create_actor,
    report,
    run_scenario,
    sessions_for,
    wait_until,
)
from bench.fake_fediverse import FakeFediverse, NodeSpec
from bench.s0_calibration import calibrate
from bench.s1_fanout import zipf_counts
from federation.delivery.worker import DeliveryConfig
from federation.outbox.enqueue import enqueue
from federation.tables import Delivery, QueueState


async def queue_post(database: BenchDatabase, fediverse: FakeFediverse, counts: list[int]) -> None:
    engine = database.engine()
    sessions = sessions_for(engine)
    actor_id, _ = await create_actor(sessions, datetime.now(UTC))
    inboxes = [fediverse.inbox(node) for node, n in enumerate(counts) for _ in range(n)]
    async with sessions.begin() as session:
        await enqueue(
            session,
            actor_id=actor_id,
            activity={
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": "http://node.bench/groups/circle/activities/announce-1",
                "type": "Announce",
                "actor": "http://node.bench/groups/circle",
                "object": "http://node.bench/posts/1",
            },
            inboxes=inboxes,
            object_uri="http://node.bench/posts/1",
            now=datetime.now(UTC),
        )
    await engine.dispose()


async def states(database: BenchDatabase) -> Counter[str]:
    """Rows per state, with claimed queued rows counted as "leased"."""
    engine = database.engine()
    now = datetime.now(UTC)
    async with sessions_for(engine)() as session:
        rows = await session.execute(select(Delivery.state, Delivery.claimed_until))
        result: Counter[str] = Counter()
        for state, claimed_until in rows:
            leased = claimed_until is not None and claimed_until > now
            result["leased" if state == QueueState.QUEUED and leased else str(state)] += 1
    await engine.dispose()
    return result


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    counts = zipf_counts(args.nodes, args.followers, args.biggest)
    config = DeliveryConfig(
        lease=timedelta(seconds=args.lease), total_timeout=args.lease / 2 - 0.5
    ).with_slots(args.concurrency)
    nodes = len(counts)
    async with bench_database(args) as database:
        specs = [NodeSpec(latency=args.latency) for _ in counts]
        async with FakeFediverse(specs, database.workdir / "nodes.json") as fediverse:
            await queue_post(database, fediverse, counts)
            victim = await WorkerProcess.start("bench.s6a_crash", database, config)

            async def half_way() -> bool:
                return await fediverse.count() >= nodes // 2

            await wait_until(half_way, deadline=time.monotonic() + 60, poll=0.002)
            await victim.kill()
            killed_at = time.time()
            arrived_at_kill = await fediverse.count()
            at_kill = await states(database)
            survivor = await WorkerProcess.start("bench.s6a_crash", database, config)

            async def all_done() -> bool:
                return (await states(database))[str(QueueState.DONE)] == nodes

            await wait_until(all_done, deadline=time.monotonic() + 4 * args.lease + 30, poll=0.05)
            finished_at = time.time()
            await survivor.stop()
            records = await fediverse.records()
            after = await states(database)
        per_node = Counter(r[0] for r in records)
        delivered = sum(1 for node in range(nodes) if per_node[node])
        duplicates = sum(n - 1 for n in per_node.values() if n > 1)
        leased = at_kill["leased"]
        # Rows nobody held went out at once; the rest waited for the lease.
        first_pass = sorted(r[4] for r in records if killed_at < r[4] < killed_at + args.lease)
        span = first_pass[-1] - first_pass[0] if len(first_pass) > 1 else float("nan")
        rate = len(first_pass) / span
        rows = [
            ("database", database.backend),
            ("POSTs wanted (one per node)", str(nodes)),
            ("arrived before the kill", str(arrived_at_kill)),
            ("rows at the kill", ", ".join(f"{k} {v}" for k, v in sorted(at_kill.items()))),
            (
                "delivered after restart",
                f"{delivered} of {nodes} ({100 * delivered / nodes:.1f} %)",
            ),
            ("rows at the end", ", ".join(f"{k} {v}" for k, v in sorted(after.items()))),
            ("duplicates", f"{duplicates} ({100 * duplicates / nodes:.1f} % of {nodes} POSTs)"),
            (
                "bound: leased (in flight) at the kill",
                f"{leased} (max_in_flight {config.max_in_flight})",
            ),
            ("kill -> all delivered", f"{finished_at - killed_at:.1f} s (lease {args.lease:g} s)"),
            (
                "restart: first-pass send rate / R_cli",
                f"{rate:,.0f} / {calib.r_cli:,.0f} = {rate / calib.r_cli:.2f}",
            ),
        ]
        report("S6(a) kill -9 half-way through S1", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--biggest", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=DeliveryConfig().max_in_flight)
    parser.add_argument("--lease", type=float, default=5.0, help="seconds (production: 120)")
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
