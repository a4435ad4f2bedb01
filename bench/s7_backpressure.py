"""S7: catch-up with back-pressure. A node returns after an hour; does the backlog
drain at its pace, no faster?

Design note: one remote node, served from this process (aiohttp is plenty at
50 requests/s), is down for an hour of simulated time (nothing listens on its
port; ``bench.SimulatedClock`` moves the delivery worker's clock) while the
group posts 600 activities to it, one every 6 simulated seconds. The worker
fails, its breaker opens and probes every few simulated minutes. Then the node
comes back on the same port, capped at 50 accepted requests in any second and
answering ``429`` with ``Retry-After: 1`` above that, and the clock moves on to
the breaker's next probe. From then on it all runs in real time: the probe
succeeds, every queued row is pulled forward, and the worker must pace itself
by the 429s. The report gives the drain time against the ideal (600 / 50 =
12 s; target <= 1.5 x), whether requests came before a ``Retry-After`` had
passed, and the longest run of requests over the cap (target <= 1 s).

``python -m bench.s7_backpressure [--postgres] [--activities 600] [--cap 50]``
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web

from bench import (
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
from federation.delivery.worker import DeliveryConfig, DeliveryWorker

TOO_MANY = {"Retry-After": "1"}


@dataclass
class CappedNode:
    """An inbox that accepts at most ``cap`` requests in any second, 429 above."""

    cap: int
    latency: float
    window: deque[float] = field(default_factory=deque)  # accepted in the last second
    answers: list[tuple[float, int]] = field(default_factory=list)  # arrival, status
    accepted: set[str] = field(default_factory=set)  # activity ids

    async def inbox(self, request: web.Request) -> web.Response:
        activity = await request.json()
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.cap:
            self.answers.append((now, 429))
            await asyncio.sleep(self.latency)
            return web.Response(status=429, headers=TOO_MANY)
        self.window.append(now)
        self.answers.append((now, 202))
        self.accepted.add(str(activity.get("id")))
        await asyncio.sleep(self.latency)
        return web.Response(status=202)


@asynccontextmanager
async def serving(node: CappedNode, port: int) -> AsyncIterator[None]:
    app = web.Application()
    app.router.add_post("/inbox", node.inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


def over_cap_runs(answers: list[tuple[float, int]]) -> float:
    """The longest stretch (s) of consecutive requests answered 429."""
    longest, start = 0.0, None
    for at, status in answers:
        if status == 429:
            start = at if start is None else start
            longest = max(longest, at - start)
        else:
            start = None
    return longest


def early_requests(answers: list[tuple[float, int]], margin: float = 0.2) -> int:
    """Requests that arrived ``margin`` s or more after a 429 and before its
    ``Retry-After: 1`` had passed (those within ``margin`` were already on their way)."""
    times = [at for at, _ in answers]
    early: set[int] = set()
    for at, status in answers:
        if status == 429:
            low = bisect.bisect_left(times, at + margin)
            high = bisect.bisect_left(times, at + 1.0 - 0.05)
            early.update(range(low, high))
    return len(early)


def busiest_second(answers: list[tuple[float, int]]) -> int:
    """Most requests (any answer) that arrived within one second of each other."""
    times = [at for at, _ in answers]
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    config = DeliveryConfig()
    port = free_port()
    inbox = f"http://127.0.0.1:{port}/inbox"
    node = CappedNode(args.cap, args.latency)
    clock = SimulatedClock()
    async with bench_database(args) as database:
        engine = database.engine()
        sessions = sessions_for(engine)
        actor_id, _ = await create_actor(sessions, clock())
        await introduce_peers(database, [inbox], "kinfolk")
        down = timedelta(hours=args.down_hours)
        step = down / args.activities
        async with delivery_client(config) as http:
            worker = DeliveryWorker(sessions, http, clock, config)
            running = asyncio.create_task(worker.run(asyncio.Event()))
            started = time.monotonic()
            for post in range(args.activities):  # the node is down: nothing listens
                await queue_announce(sessions, actor_id, post, [inbox], clock())
                clock.advance(step)
                if post % 10 == 9:
                    worker.notify()
                    await asyncio.sleep(0.01)  # let the worker fail and back off
            outage_seconds = time.monotonic() - started
            async with serving(node, port):
                clock.advance(config.breaker_max)  # the breaker's next probe is due
                returned = time.monotonic()
                worker.notify()

                async def drained() -> bool:
                    return len(node.accepted) >= int(args.activities)

                await wait_until(drained, deadline=returned + args.deadline, poll=0.02)
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
        await engine.dispose()
    answers = [(at - returned, status) for at, status in node.answers]
    accepted_at = [at for at, status in answers if status == 202]
    drain = accepted_at[-1] if accepted_at else float("nan")
    ideal = args.activities / args.cap
    report(
        f"S7 catch-up with back-pressure ({database.backend})",
        [
            (
                "outage",
                f"{args.down_hours:g} h simulated in {outage_seconds:.1f} s; "
                f"{args.activities} activities queued",
            ),
            ("delivered after return", f"{len(node.accepted)} of {args.activities}"),
            (
                "drain time",
                f"{drain:.2f} s; ideal {args.activities} / {args.cap} = {ideal:.0f} s; "
                f"{drain / ideal:.2f} x (target <= 1.5)",
            ),
            (
                "requests",
                f"{len(answers)}: {len(accepted_at)} accepted, "
                f"{len(answers) - len(accepted_at)} answered 429",
            ),
            (
                "Retry-After honoured",
                f"{early_requests(answers)} requests sent before a Retry-After had passed "
                "(target 0)",
            ),
            (
                "longest run of requests over the cap",
                f"{over_cap_runs(answers):.2f} s (target <= 1 s)",
            ),
            ("busiest second (any answer)", f"{busiest_second(answers)} requests (cap {args.cap})"),
            ("worker slots / per host", f"{config.max_in_flight} / {config.max_per_host}"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--activities", type=int, default=600)
    parser.add_argument("--down-hours", type=float, default=1.0)
    parser.add_argument("--cap", type=int, default=50, help="requests/s the node accepts")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds to drain")
    run_scenario(parser, run)


if __name__ == "__main__":
    main()
