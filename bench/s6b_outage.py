"""S6(b): 50 nodes offline for 60 hours while the group keeps posting; nothing lost.

Design note: the delivery worker runs in this process on ``bench.SimulatedClock``,
so the outage passes in seconds: nothing listens on the 50 nodes' ports while
the group posts (``--posts-per-hour``, spread over the ``--hours``), the
breakers open and probe, and each step moves the clock on. Then the nodes come
back on the same ports (``bench.s7_backpressure.CappedNode`` without a cap),
the clock moves on to the breakers' next probe, and the catch-up runs in real
time: delivered share and time. One more node never comes back, with a
follower there: the group goes on posting to it, an hour at a time once the
others are back, until its first row gives up (the retry span, target >= 72 h)
and, after 7 days of failure, the node is marked unreachable. Last, an actor
of that node sends one signed activity to the node's inbox (S3's web
process): the mark must be gone.

S6(b) asks for 10 posts a minute: 36,000 posts to 50 nodes, 1.8 million
deliveries, more than this machine queues in a benchmark's minutes. The
default is 5 posts an hour (300 posts, 15,000 deliveries); the catch-up is
per host, so its time scales with the backlog (``--posts-per-hour 600`` for
the full load).

``python -m bench.s6b_outage [--postgres] [--nodes 50] [--hours 60] [--posts-per-hour 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy import select

from bench import (
    BenchDatabase,
    SimulatedClock,
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
from bench.cluster import free_port
from bench.s0_calibration import calibrate
from bench.s3_inbox import person, serving_inbox, sign_create
from bench.s7_backpressure import CappedNode, serving
from federation.delivery.destinations import host_of
from federation.delivery.worker import DeliveryConfig, DeliveryWorker
from federation.remote.actors import store_actor
from federation.signing.keys import generate_rsa_key
from federation.tables import Delivery, Destination

UNLIMITED = 10**9


async def _settle(worker: DeliveryWorker) -> None:
    """Let the worker go round at the new time (its probes are refused at once)."""
    worker.notify()
    await asyncio.sleep(0.01)


async def _destination(database: BenchDatabase, host: str) -> Destination | None:
    engine = database.engine()
    async with sessions_for(engine)() as session:
        found = await session.get(Destination, host)
    await engine.dispose()
    return found


async def _revive(database: BenchDatabase, gone: str) -> int:
    """One signed activity from an actor of the gone node, through the node's inbox."""
    key = generate_rsa_key()
    uri = f"{gone}/users/back"
    engine = database.engine()
    async with sessions_for(engine).begin() as session:
        document = person(uri, "back", key.public_key())
        await store_actor(session, document, now=datetime.now(UTC))
    await engine.dispose()
    async with serving_inbox(database) as inbox, aiohttp.ClientSession() as http:
        headers, body = sign_create(uri, 1, key, inbox, datetime.now(UTC))
        async with http.post(inbox, data=body, headers=headers) as response:
            return response.status


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    config = DeliveryConfig()
    ports = [free_port() for _ in range(args.nodes + 1)]
    inboxes = [f"http://127.0.0.1:{port}/inbox" for port in ports]
    returning, gone = inboxes[:-1], inboxes[-1]
    nodes = [CappedNode(UNLIMITED, args.latency) for _ in returning]
    posts = round(args.hours * args.posts_per_hour)
    step = timedelta(hours=args.hours) / posts
    clock = SimulatedClock()
    async with bench_database(args) as database:
        engine = database.engine()
        sessions = sessions_for(engine)
        actor_id, _ = await create_actor(sessions, clock())
        await introduce_peers(database, inboxes, "kinfolk")
        async with delivery_client(config) as http:
            worker = DeliveryWorker(sessions, http, clock, config)
            running = asyncio.create_task(worker.run(asyncio.Event()))
            started = time.monotonic()
            for post in range(posts):
                await queue_announce(sessions, actor_id, post, inboxes, clock())
                clock.advance(step)
                await _settle(worker)
            outage_seconds = time.monotonic() - started
            async with AsyncExitStack() as stack:
                for node, port in zip(nodes, ports, strict=False):
                    await stack.enter_async_context(serving(node, port))
                clock.advance(config.breaker_max)  # the breakers' next probe is due
                returned = time.monotonic()
                worker.notify()

                async def everything_arrived() -> bool:
                    return all(len(node.accepted) >= posts for node in nodes)

                await wait_until(everything_arrived, deadline=returned + args.deadline, poll=0.1)
                drain = time.monotonic() - returned
                delivered = sum(len(node.accepted) for node in nodes)
            gone_host = host_of(gone)
            for hour in range(8 * 24):  # the group posts on; until the node is unreachable
                await queue_announce(sessions, actor_id, posts + hour, [gone], clock())
                clock.advance(timedelta(hours=1))
                await _settle(worker)
                found = await _destination(database, gone_host)
                if found is not None and found.unreachable_since is not None:
                    break
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        async with sessions() as session:
            row = await session.scalar(
                select(Delivery).where(Delivery.host == gone_host).order_by(Delivery.id).limit(1)
            )
        await engine.dispose()
        marked = await _destination(database, gone_host)
        status = await _revive(database, gone.removesuffix("/inbox"))
        revived = await _destination(database, gone_host)
    wanted = posts * len(nodes)
    assert row is not None
    assert marked is not None
    assert revived is not None
    span = (row.finished_at - row.created_at) if row.finished_at else None
    unreachable_after = (
        marked.unreachable_since - marked.failing_since
        if marked.unreachable_since and marked.failing_since
        else None
    )
    report(
        f"S6(b) 60 h outage ({database.backend})",
        [
            (
                "outage",
                f"{len(nodes)} nodes down {args.hours:g} h simulated ({outage_seconds:.1f} s); "
                f"{posts} posts ({args.posts_per_hour:g}/h), {wanted:,} deliveries waiting",
            ),
            (
                "after return",
                f"{delivered:,} of {wanted:,} delivered ({100 * delivered / wanted:.1f} %) in "
                f"{drain:.1f} s after the breakers' probe (at most "
                f"{config.breaker_max.total_seconds() / 60:g} min after return); target 100 % "
                "within 10 min",
            ),
            (
                "retry span (node that never returns)",
                f"{span.total_seconds() / 3600:.1f} h over {row.attempts} attempts, "
                f"then {row.state}" + " (target >= 72 h)"
                if span
                else f"still {row.state} after {row.attempts} attempts",
            ),
            (
                "marked unreachable",
                f"after {unreachable_after.total_seconds() / 86400:.2f} days of failure (target 7)"
                if unreachable_after
                else "no",
            ),
            (
                "revived by a signed request",
                f"inbox answered {status}; unreachable mark "
                + ("cleared" if revived.unreachable_since is None else "still set")
                + f", failure streak {revived.consecutive_failures}",
            ),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--hours", type=float, default=60.0)
    parser.add_argument("--posts-per-hour", type=float, default=5.0)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds to catch up")
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
