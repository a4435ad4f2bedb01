"""S9: hostile input. What does refusing it cost the node, and its honest senders?

Design note: the node runs as in S3 (its own process, 1,000 actors with keys
cached, every key seen once before anything is measured). Then:

* Oversize bodies: a sender announces 1 MiB + 1, 10 MiB or 100 MiB in its
  Content-Length (the node's default limit is 1 MiB, so the decimal "1 MB" of
  the scenario would be within it) and sends the first 64 KiB, as a real sender
  streams. The node must answer 413 from the length alone, before the rest
  arrives (the sender waits for the answer, 10 s at most, then gives up), and
  reads no more of it (``web/bodies.py``; tested in
  ``tests/web/test_request_bodies.py``).
* Signed but refused: the Date two hours off (signed then), a body changed
  after signing (its Digest no longer matches), no signature at all: each must
  get 401, over kept-alive connections.

For each kind the serving process's CPU-seconds (from /proc, 10 ms steps) are
read across ``--rejections`` refusals, and divided. Last, honest throughput
under attack: a plain S3 step at ``--concurrency``, then the same with each
sender also sending one hostile request (the kinds in turn) beside each valid
one, so half of all requests are hostile, then a plain step again; the mixed
step's valid accepted/s is compared with the plain steps' mean. ``R_srv`` (S0)
is measured first: one core's share of a no-op request through our server stack,
``1 / R_srv``, is the floor under any refusal's CPU.

``python -m bench.s9_hostile [--postgres] [--rejections 2000] [--concurrency 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import BenchDatabase, add_database_arguments, bench_database, process_cpu_seconds, report
from bench.cluster import free_port
from bench.s0_calibration import calibrate
from bench.s3_inbox import (
    Step,
    add_signer_arguments,
    presign,
    queued_rows,
    run_step,
    seed,
    serving_node,
)
from federation.signing.keys import generate_rsa_key
from web import event_loop

MiB = 1024 * 1024
OVERSIZE = {"1 MiB + 1": MiB + 1, "10 MiB": 10 * MiB, "100 MiB": 100 * MiB}
FIRST_PIECE = 64 * 1024
POOL = 50  # distinct requests of each signed hostile kind, sent in turn

Request = tuple[dict[str, str], bytes]


@dataclass(frozen=True)
class Refusals:
    kind: str
    count: int
    statuses: dict[int, int]
    cpu_seconds: float
    seconds: float

    def row(self) -> tuple[str, str]:
        answers = ", ".join(f"{n} x {status}" for status, n in sorted(self.statuses.items()))
        return (
            self.kind,
            f"{self.cpu_seconds * 1000 / self.count:5.3f} CPU-ms per refusal   "
            f"{self.count / self.seconds:7,.0f} refused/s   ({answers})",
        )


async def _oversize(port: int, length: int) -> int:
    """Announce ``length`` bytes, send the first piece, read the answer, give up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /inbox HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/activity+json\r\nContent-Length: {length}\r\n\r\n"
    )
    writer.write(head.encode() + b"{" + b" " * (FIRST_PIECE - 1))
    try:
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        size = int(answer.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(size)
    finally:
        writer.transport.abort()
    return int(answer.split(b" ", 2)[1])


def _hostile_signed(
    keys: list[rsa.RSAPrivateKey], inbox: str, args: argparse.Namespace
) -> dict[str, list[Request]]:
    """POOL requests each: dated two hours ago, with a changed body, and unsigned."""
    stale = presign(
        POOL, args.actors, args.hosts, keys, inbox, now=datetime.now(UTC) - timedelta(hours=2)
    )
    tampered = [
        (headers, body.replace(b'"Note"', b'"Page"'))
        for headers, body in presign(POOL, args.actors, args.hosts, keys, inbox, first=POOL)
    ]
    unsigned = [
        ({"Content-Type": "application/activity+json"}, body)
        for _, body in presign(POOL, args.actors, args.hosts, keys, inbox, first=2 * POOL)
    ]
    return {"Date 2 h off": stale, "bad digest": tampered, "unsigned": unsigned}


async def _measure(
    kind: str, count: int, concurrency: int, pid: int, send: Callable[[], Awaitable[int]]
) -> Refusals:
    statuses: dict[int, int] = {}
    left = count

    async def lane() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status = await send()
            statuses[status] = statuses.get(status, 0) + 1

    loop = asyncio.get_running_loop()
    began, cpu = loop.time(), process_cpu_seconds(pid)
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return Refusals(kind, count, statuses, process_cpu_seconds(pid) - cpu, loop.time() - began)


async def _post_next(http: aiohttp.ClientSession, inbox: str, pool: Iterator[Request]) -> int:
    headers, body = next(pool)
    async with http.post(inbox, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def _attack(
    args: argparse.Namespace, database: BenchDatabase, keys: list[rsa.RSAPrivateKey]
) -> tuple[list[Refusals], list[Step], int, int]:
    await seed(database, args.actors, args.hosts, keys)
    port = free_port()
    inbox = f"http://127.0.0.1:{port}/inbox"
    valid = presign(args.requests, args.actors, args.hosts, keys, inbox)
    hostile = _hostile_signed(keys, inbox, args)
    refusals: list[Refusals] = []
    steps: list[Step] = []
    async with serving_node(args, database, port) as node:
        connector = aiohttp.TCPConnector(limit=4 * args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            warmup = valid[-args.actors :]
            del valid[-args.actors :]
            first = await run_step(http, inbox, warmup, args.concurrency, math.inf, node.pid)
            for label, length in OVERSIZE.items():
                refusals.append(
                    await _measure(
                        f"oversize: {label} announced",
                        args.oversize,
                        args.concurrency,
                        node.pid,
                        partial(_oversize, port, length),
                    )
                )
            for label, pool in hostile.items():
                turn = itertools.cycle(pool)
                refusals.append(
                    await _measure(
                        label,
                        args.rejections,
                        args.concurrency,
                        node.pid,
                        partial(_post_next, http, inbox, turn),
                    )
                )
            kinds: Iterator[Callable[[], Awaitable[int]]] = itertools.cycle(
                [
                    *(
                        partial(_post_next, http, inbox, itertools.cycle(p))
                        for p in hostile.values()
                    ),
                    partial(_oversize, port, MiB + 1),
                ]
            )
            for mixed in (False, True, False):
                steps.append(
                    await run_step(
                        http,
                        inbox,
                        valid,
                        args.concurrency,
                        args.seconds,
                        node.pid,
                        alongside=(lambda: next(kinds)()) if mixed else None,
                    )
                )
        accepted = first.accepted + sum(s.accepted for s in steps)
    return refusals, steps, accepted, await queued_rows(database)


async def run(args: argparse.Namespace) -> None:
    calibration = await calibrate()
    keys = [generate_rsa_key() for _ in range(args.keys)]
    async with bench_database(args) as database:
        refusals, steps, accepted, queued = await _attack(args, database, keys)
    plain = (steps[0].rate + steps[2].rate) / 2
    report(
        f"S9 hostile input ({database.backend})",
        [
            *calibration.rows()[:1],
            ("a no-op request (1 / R_srv)", f"{1000 / calibration.r_srv:5.3f} CPU-ms"),
            *(r.row() for r in refusals),
            ("plain S3 step (before)", steps[0].row()[1]),
            ("50 % hostile mix, valid", steps[1].row()[1]),
            ("plain S3 step (after)", steps[2].row()[1]),
            ("valid under attack / plain", f"{steps[1].rate / plain:.2f}"),
            ("lost after 202", f"{accepted - queued} (202 answers {accepted}, queued {queued})"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    add_signer_arguments(parser)
    parser.add_argument("--requests", type=int, default=20000, help="valid activities to pre-sign")
    parser.add_argument("--rejections", type=int, default=2000, help="refusals of each signed kind")
    parser.add_argument("--oversize", type=int, default=500, help="refusals of each oversize body")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per step")
    event_loop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
