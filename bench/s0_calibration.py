"""S0: the denominators. How fast is our server stack, and our client, on this machine now?

Design note: absolute figures drift on shared machines, so every scenario also
prints its result as a ratio to numbers measured in the same run:

* ``R_srv``: requests/s of our server stack (aiohttp with the node's problems
  middleware) answering 202 to a 2 KB POST, in its own process, loaded from
  this one by a raw-socket keep-alive generator (pipelining 4 deep) that is
  much cheaper per request than the server, so the server is the bottleneck.
* ``R_cli``: requests/s of our delivery client (``delivery_client``, with the
  worker's limits) POSTing 2 KB bodies to that no-op server, 64 in flight.
* signing floors, one core: RFC 9421 and draft-cavage ``sign_request`` with an
  RSA-2048 key (what the worker does for every request).

``python -m bench.s0_calibration [--seconds 3]`` prints them; the other
scenarios call ``calibrate()`` for a shorter in-run measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from bench import delivery_client, report
from federation.delivery.worker import DeliveryConfig
from federation.signing import rfc9421, signatures
from federation.signing.keys import generate_rsa_key
from web import event_loop
from web.problems import problems_middleware

BODY = json.dumps({"id": "https://node.bench/a/1", "content": "x" * 1900}).encode()
PIPELINE = 4


@dataclass(frozen=True)
class Calibration:
    r_srv: float  # requests/s, our server stack, no-op handler
    r_cli: float  # requests/s, our client, no-op loopback server
    sign_rfc9421: float  # signatures/s, one core
    sign_cavage: float

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("R_srv (server stack, no-op handler)", f"{self.r_srv:,.0f} req/s"),
            ("R_cli (our client, no-op server)", f"{self.r_cli:,.0f} req/s"),
            ("RFC 9421 RSA-2048 sign_request", f"{self.sign_rfc9421:,.0f} /s"),
            ("draft-cavage RSA-2048 sign_request", f"{self.sign_cavage:,.0f} /s"),
        ]


async def _noop(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=202)


async def _serve() -> None:
    app = web.Application(middlewares=[problems_middleware])
    app.router.add_post("/{tail:.*}", _noop)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, backlog=1024).start()
    print(json.dumps({"port": runner.addresses[0][1]}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


async def _hammer(port: int, seconds: float, connections: int) -> int:
    head = (
        f"POST /inbox HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/activity+json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    ).encode()
    batch = (head + BODY) * PIPELINE
    deadline = time.perf_counter() + seconds

    async def connection() -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        while time.perf_counter() < deadline:
            writer.write(batch)
            for _ in range(PIPELINE):
                response = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in response.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
            done += PIPELINE
        writer.close()
        return done

    return sum(await asyncio.gather(*(connection() for _ in range(connections))))


async def _client(port: int, seconds: float, in_flight: int) -> int:
    deadline = time.perf_counter() + seconds
    headers = {"Content-Type": "application/activity+json"}
    async with delivery_client(DeliveryConfig()) as http:

        async def lane() -> int:
            done = 0
            while time.perf_counter() < deadline:
                async with http.post(f"http://127.0.0.1:{port}/inbox", data=BODY, headers=headers):
                    done += 1
            return done

        return sum(await asyncio.gather(*(lane() for _ in range(in_flight))))


def _signing_rates(seconds: float) -> tuple[float, float]:
    key = generate_rsa_key()
    now = datetime.now(UTC)
    rates = []
    for sign in (rfc9421.sign_request, signatures.sign_request):
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            sign(
                "POST",
                "https://remote.example/inbox",
                {"Content-Type": "application/activity+json"},
                BODY,
                key_id="https://node.bench/actor#main-key",
                private_key=key,
                now=now,
            )
            count += 1
        rates.append(count / (time.perf_counter() - started))
    return rates[0], rates[1]


async def calibrate(seconds: float = 1.5) -> Calibration:
    """Measure R_srv, R_cli and the signing floors (about 3 x ``seconds``)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.s0_calibration",
        "--serve",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        port = int(json.loads(await process.stdout.readline())["port"])
        await _hammer(port, 0.2, 8)  # warm up
        started = time.perf_counter()
        served = await _hammer(port, seconds, 32)
        r_srv = served / (time.perf_counter() - started)
        started = time.perf_counter()
        sent = await _client(port, seconds, 64)
        r_cli = sent / (time.perf_counter() - started)
    finally:
        process.stdin.close()
        await process.wait()
    sign_9421, sign_cavage = _signing_rates(seconds / 2)
    return Calibration(r_srv, r_cli, sign_9421, sign_cavage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        event_loop.run(_serve())
        return
    calibration = event_loop.run(calibrate(args.seconds))
    report("S0 calibration", calibration.rows())


if __name__ == "__main__":
    main()
