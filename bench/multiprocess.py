"""Several processes on one PostgreSQL: S1 and S3 at once, 2+2+2 against 1+1+1.

Design note: the node runs as an admin who scales it runs it (``bench.cluster``):
``kinfolk serve`` processes without embedded workers, ``kinfolk worker --queue
inbox`` and ``--queue delivery`` processes, all against one PostgreSQL schema.
While group posts fan out to the fake fediverse (S1's Zipf spread, one POST per
node and post), signed ``Create(Note)``s (S3's) are sent round robin to every
``serve`` process. Then the run counts what matters when processes share queues:
every node got each post exactly once (duplicates, lost), and every activity
answered 202 was processed exactly once (one attempt, done), beside throughput.
The same load runs on a fresh schema with each shape, so the printed ratio
compares shapes within one run. ``drive`` is also what the multi-process test
(tests/deploy/test_processes.py) runs, smaller.

``python -m bench.multiprocess [--posts 5] [--nodes 500] [--requests 10000]``
(PostgreSQL only: several processes on SQLite queue for its one writer)
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from bench import (
    BenchDatabase,
    add_database_arguments,
    bench_database,
    create_actor,
    introduce_peers,
    queue_announce,
    report,
    sessions_for,
    wait_until,
)
from bench.cluster import Cluster, Shape, running_cluster
from bench.fake_fediverse import FakeFediverse, NodeSpec
from bench.s0_calibration import calibrate
from bench.s1_fanout import zipf_counts
from bench.s3_inbox import presign, seed
from federation.signing.keys import generate_rsa_key
from federation.tables import Delivery, InboxItem, QueueState
from tests.databases import postgres_problem
from web import event_loop


@dataclass(frozen=True)
class Load:
    """What one run sends: ``posts`` fanned out over ``counts`` (followers per node), and
    ``requests`` signed activities from ``actors`` on ``hosts`` at ``concurrency``."""

    posts: int
    counts: Sequence[int]
    requests: int
    actors: int = 100
    hosts: int = 20
    keys: int = 4
    concurrency: int = 32
    deadline: float = 120.0  # seconds for everything to be delivered and processed


@dataclass(frozen=True)
class Tally:
    """What arrived where, and how fast."""

    shape: Shape
    deliveries_wanted: int
    delivered: int  # distinct (node, activity) pairs that arrived
    duplicates: int
    delivery_seconds: float  # first enqueue -> last arrival
    sent: int
    accepted: int  # answered 202
    queued_rows: int
    processed_once: int  # done or refused, after exactly one attempt
    processed_again: int  # more than one attempt
    unprocessed: int
    accept_seconds: float  # sending the signed load
    process_seconds: float  # first request -> last item processed

    @property
    def lost(self) -> int:
        return self.deliveries_wanted - self.delivered

    @property
    def delivery_rate(self) -> float:
        return self.delivered / self.delivery_seconds

    @property
    def accept_rate(self) -> float:
        return self.accepted / self.accept_seconds

    @property
    def process_rate(self) -> float:
        return (self.processed_once + self.processed_again) / self.process_seconds

    def rows(self) -> list[tuple[str, str]]:
        return [
            (
                "deliveries",
                f"{self.delivered} of {self.deliveries_wanted} (lost {self.lost}, "
                f"duplicates {self.duplicates}) in {self.delivery_seconds:.2f} s = "
                f"{self.delivery_rate:,.0f}/s",
            ),
            (
                "inbox accepted",
                f"{self.accepted} of {self.sent} answered 202, {self.queued_rows} rows queued "
                f"(lost after 202: {self.accepted - self.queued_rows}); "
                f"{self.accept_rate:,.0f}/s",
            ),
            (
                "inbox processed",
                f"{self.processed_once} exactly once, {self.processed_again} more than once, "
                f"{self.unprocessed} not yet; {self.process_rate:,.0f}/s",
            ),
        ]


@dataclass(frozen=True)
class Senders:
    """The local group that posts, and the remote actors' keys (held by the node)."""

    group_id: int
    keys: list[rsa.RSAPrivateKey]


async def prepare(database: BenchDatabase, fediverse: FakeFediverse, load: Load) -> Senders:
    """Before the processes start: the group (its keys made), what the fake nodes
    advertise (Ed25519, as Kinfolk peers), and the remote actors with cached keys."""
    engine = database.engine()
    group_id, _ = await create_actor(sessions_for(engine), datetime.now(UTC))
    await engine.dispose()
    await introduce_peers(
        database, [fediverse.inbox(n) for n in range(len(load.counts))], "kinfolk"
    )
    keys = [generate_rsa_key() for _ in range(load.keys)]
    await seed(database, load.actors, load.hosts, keys)
    return Senders(group_id, keys)


async def _queue_posts(
    database: BenchDatabase, fediverse: FakeFediverse, load: Load, group_id: int
) -> None:
    engine = database.engine()
    sessions = sessions_for(engine)
    inboxes = [fediverse.inbox(node) for node, n in enumerate(load.counts) for _ in range(n)]
    for post in range(load.posts):
        await queue_announce(sessions, group_id, post, inboxes, datetime.now(UTC))
    await engine.dispose()


Signed = tuple[str, dict[str, str], bytes]  # inbox URL, headers, body


def _presign_spread(cluster: Cluster, load: Load, senders: Senders) -> list[Signed]:
    """The signed load, each request signed for the ``serve`` process it goes to."""
    per = -(-load.requests // len(cluster.ports))
    shares = [
        [
            (cluster.inbox(i), headers, body)
            for headers, body in presign(
                min(per, load.requests - i * per),
                load.actors,
                load.hosts,
                senders.keys,
                cluster.inbox(i),
                first=i * per,
            )
        ]
        for i in range(len(cluster.ports))
    ]
    return [request for group in zip(*shares, strict=False) for request in group]


async def _send(requests: list[Signed], concurrency: int) -> int:
    """Send every request, ``concurrency`` at a time; how many were answered 202."""
    accepted = 0
    pending = iter(requests)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:

        async def sender() -> None:
            nonlocal accepted
            for url, headers, body in pending:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                accepted += response.status == 202

        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return accepted


async def _states(database: BenchDatabase, table: type[Delivery] | type[InboxItem]) -> Counter[str]:
    engine = database.engine()
    async with sessions_for(engine)() as session:
        rows = await session.execute(select(table.state, func.count()).group_by(table.state))
        counts = Counter({str(state): int(n) for state, n in rows})
    await engine.dispose()
    return counts


async def drive(
    database: BenchDatabase,
    fediverse: FakeFediverse,
    cluster: Cluster,
    shape: Shape,
    load: Load,
    senders: Senders,
) -> Tally:
    """Queue the posts and send the signed load at once; wait until all is done; count."""
    requests = _presign_spread(cluster, load, senders)
    wanted = load.posts * len(load.counts)
    queued = str(QueueState.QUEUED)
    started = time.time()
    queueing = asyncio.create_task(_queue_posts(database, fediverse, load, senders.group_id))
    accepted = await _send(requests, load.concurrency)
    accept_seconds = time.time() - started
    await queueing
    deadline = time.monotonic() + load.deadline

    async def delivered() -> bool:
        return (
            await fediverse.count() >= wanted and (await _states(database, Delivery))[queued] == 0
        )

    async def processed() -> bool:
        return (await _states(database, InboxItem))[queued] == 0

    await wait_until(delivered, deadline=deadline, poll=0.05)
    await wait_until(processed, deadline=deadline, poll=0.05)
    records = await fediverse.records()
    per_target = Counter((node, activity) for node, activity, *_ in records)
    engine = database.engine()
    async with sessions_for(engine)() as session:
        items = (await session.execute(select(InboxItem.attempts, InboxItem.processed_at))).all()
    await engine.dispose()
    finished = [at.timestamp() for _, at in items if at is not None]
    return Tally(
        shape=shape,
        deliveries_wanted=wanted,
        delivered=len(per_target),
        duplicates=sum(n - 1 for n in per_target.values()),
        delivery_seconds=max((r[4] for r in records), default=started) - started,
        sent=len(requests),
        accepted=accepted,
        queued_rows=len(items),
        processed_once=sum(1 for attempts, at in items if at is not None and attempts == 1),
        processed_again=sum(1 for attempts, _ in items if attempts > 1),
        unprocessed=sum(1 for _, at in items if at is None),
        accept_seconds=accept_seconds,
        process_seconds=max(finished, default=started) - started,
    )


async def run_shape(args: argparse.Namespace, shape: Shape, load: Load) -> Tally:
    """One shape on a fresh schema and a fresh fake fediverse."""
    async with bench_database(args) as database:
        specs = [NodeSpec(latency=args.latency) for _ in load.counts]
        async with FakeFediverse(specs, database.workdir / "nodes.json") as fediverse:
            senders = await prepare(database, fediverse, load)
            async with running_cluster(
                database.url, database.schema, database.workdir, shape, args.concurrency
            ) as cluster:
                return await drive(database, fediverse, cluster, shape, load, senders)


async def run(args: argparse.Namespace) -> None:
    problem = await postgres_problem(args.postgres_url)
    if problem is not None:
        report("Several processes on one PostgreSQL", [("skipped", problem)])
        return
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    load = Load(
        posts=args.posts,
        counts=zipf_counts(args.nodes, args.followers, args.biggest),
        requests=args.requests,
        actors=args.actors,
        hosts=args.hosts,
        concurrency=args.inbox_concurrency,
    )
    small, large = Shape(1, 1, 1), Shape(2, 2, 2)
    tallies = [await run_shape(args, shape, load) for shape in (small, large)]
    for tally in tallies:
        report(f"{tally.shape} (PostgreSQL)", tally.rows())
    one, two = tallies

    def ratio(name: str, a: float, b: float) -> tuple[str, str]:
        return (name, f"{b:,.0f} / {a:,.0f} = {b / a:.2f}")

    report(
        f"{large} against {small}",
        [
            (
                "load",
                f"{load.posts} posts x {len(load.counts)} nodes ({sum(load.counts):,} followers) "
                f"at {args.latency * 1000:.0f} ms; {load.requests:,} signed Create(Note)s "
                f"at {load.concurrency} in flight",
            ),
            ratio("deliveries/s", one.delivery_rate, two.delivery_rate),
            ratio("inbox accepted/s", one.accept_rate, two.accept_rate),
            ratio("inbox processed/s", one.process_rate, two.process_rate),
            ratio("delivery rate / R_cli (2+2+2)", calib.r_cli, two.delivery_rate),
            ratio("accepted / R_srv (2+2+2)", calib.r_srv, two.accept_rate),
            *(
                (
                    f"{t.shape}",
                    f"deliveries: {t.duplicates} duplicates, {t.lost} lost; inbox: "
                    f"{t.processed_again} processed twice, {t.accepted - t.queued_rows} lost "
                    f"after 202, {t.unprocessed} not processed by the deadline",
                )
                for t in tallies
            ),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--posts", type=int, default=5, help="group posts (S1: one)")
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--biggest", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=128, help="slots per delivery worker")
    parser.add_argument("--requests", type=int, default=10_000, help="signed activities sent")
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--inbox-concurrency", type=int, default=64)
    parser.add_argument("--calibrate-seconds", type=float, default=1.0)
    args = parser.parse_args()
    args.postgres = True  # several processes on one database: PostgreSQL's case
    event_loop.run(run(args))


if __name__ == "__main__":
    main()
