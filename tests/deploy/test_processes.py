"""Several processes on one PostgreSQL, as deploy/README.md tells an admin to scale.

Two ``kinfolk serve`` (without embedded workers), two inbox workers and two
delivery workers run as real processes against one schema, while group posts
fan out to 60 fake nodes and signed activities arrive through both web
processes. What peers and members see must not change with the number of
processes: every node gets each post exactly once, and every activity answered
202 is processed exactly once. PostgreSQL only: it is the shared database that
is under test (SQLite has one writer; deploy/README.md keeps it to one worker).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import BenchDatabase
from bench.cluster import Shape, running_cluster
from bench.fake_fediverse import FakeFediverse, NodeSpec
from bench.multiprocess import Load, drive, prepare
from tests.databases import PostgresDatabases

pytestmark = pytest.mark.postgresql


async def test_two_of_each_process_deliver_and_process_everything_exactly_once(
    postgres_databases: PostgresDatabases, tmp_path: Path
) -> None:
    acquired = await postgres_databases.acquire_async(tmp_path)
    database = BenchDatabase(acquired.url, acquired.schema, tmp_path)
    # 300 followers on 60 nodes (one with 64, the others 4 each), four posts; 200 signed
    # activities from 100 actors on 20 nodes, 32 in flight over both web processes. The
    # deadline bounds the wait on a crowded machine; alone, it all takes about 10 s.
    load = Load(posts=4, counts=[64] + [4] * 59, requests=200, deadline=90.0)
    specs = [NodeSpec(latency=0.05) for _ in load.counts]
    shape = Shape(serve=2, inbox=2, delivery=2)
    async with FakeFediverse(specs, tmp_path / "nodes.json") as fediverse:
        senders = await prepare(database, fediverse, load)
        async with running_cluster(
            database.url, database.schema, tmp_path, shape, concurrency=16
        ) as cluster:
            tally = await drive(database, fediverse, cluster, shape, load, senders)
            assert len(cluster.processes) == 6
            assert all(p.returncode is None for p in cluster.processes), "a process died"

    assert tally.deliveries_wanted == 4 * 60
    assert (tally.delivered, tally.duplicates, tally.lost) == (240, 0, 0)
    assert tally.accepted == tally.sent == 200
    assert tally.queued_rows == 200, "an activity answered 202 was lost"
    assert (tally.processed_once, tally.processed_again, tally.unprocessed) == (200, 0, 0)
