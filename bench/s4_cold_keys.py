"""S4: cold keys. What do unseen actors, whose keys must be fetched, cost the inbox?

Design note: the node's web process is S3's (``bench.s3_inbox.serving_inbox``),
with 1,000 remote actors whose keys it holds. Unseen actors live on an actor
server in this process on loopback, which answers a key fetch (the actor
document) after ``--fetch-latency`` (100 ms) and counts the fetches per actor.
In one run, at one concurrency:

1. S3: only known actors (the baseline p99);
2. the same with every fifth request from an actor never seen before: the
   known actors' p99 beside the baseline's (target <= 1.1 x), the new actors'
   p99 (at least one fetch), and fetches per new actor (target exactly 1);
3. 50 simultaneous activities from one new actor: one fetch (single flight,
   ``Federation.key``);
4. an actor whose key the node holds rotates it: the first request signed with
   the new key is verified after one refetch, later ones without any.

``python -m bench.s4_cold_keys [--postgres] [--requests 3000] [--concurrency 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import add_database_arguments, bench_database, percentile, report
from bench.s0_calibration import calibrate
from bench.s3_inbox import add_signer_arguments, presign, seed, serving_inbox, sign_create
from federation.signing.keys import generate_rsa_key, public_key_to_pem
from web import event_loop

Request = tuple[str, dict[str, str], bytes]  # label ("known" or "new"), headers, body


@dataclass
class ActorServer:
    """Remote actors on loopback whose documents answer after ``latency``, counted."""

    latency: float
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)  # name -> current key
    fetches: Counter[str] = field(default_factory=Counter)
    base: str = ""

    def uri(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    async def actor(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.fetches[name] += 1
        await asyncio.sleep(self.latency)
        key = self.keys.get(name)
        if key is None:
            return web.Response(status=404)
        uri = self.uri(name)
        document = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri,
            "type": "Person",
            "preferredUsername": name,
            "inbox": f"{uri}/inbox",
            "publicKey": {
                "id": f"{uri}#main-key",
                "owner": uri,
                "publicKeyPem": public_key_to_pem(key.public_key()),
            },
        }
        return web.json_response(document, content_type="application/activity+json")


@asynccontextmanager
async def actor_server(latency: float) -> AsyncIterator[ActorServer]:
    server = ActorServer(latency)
    app = web.Application()
    app.router.add_get("/users/{name}", server.actor)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()


async def send(
    http: aiohttp.ClientSession, inbox: str, requests: Sequence[Request], concurrency: int
) -> tuple[dict[str, list[float]], Counter[int]]:
    """Send every request, ``concurrency`` at a time: latencies per label, statuses."""
    latencies: dict[str, list[float]] = {}
    statuses: Counter[int] = Counter()
    pending = iter(requests)

    async def sender() -> None:
        for label, headers, body in pending:
            started = time.perf_counter()
            async with http.post(inbox, data=body, headers=headers) as response:
                await response.read()
            latencies.setdefault(label, []).append(time.perf_counter() - started)
            statuses[response.status] += 1

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies, statuses


def _p99(latencies: dict[str, list[float]], label: str) -> float:
    return percentile(latencies.get(label, []), 99) * 1000


async def run(args: argparse.Namespace) -> None:
    calib = await calibrate(args.calibrate_seconds)
    report("S0 calibration (this run)", calib.rows())
    keys = [generate_rsa_key() for _ in range(args.keys)]
    now = datetime.now(UTC)
    async with bench_database(args) as database, actor_server(args.fetch_latency) as actors:
        await seed(database, args.actors, args.hosts, keys)
        async with (
            serving_inbox(database) as inbox,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http,
        ):
            known = [
                ("known", *signed)
                for signed in presign(2 * args.requests, args.actors, args.hosts, keys, inbox)
            ]
            started = time.perf_counter()
            baseline, _ = await send(http, inbox, known[: args.requests], args.concurrency)
            s3_rate = args.requests / (time.perf_counter() - started)
            mixed: list[Request] = []
            for n, request in enumerate(known[args.requests :]):
                if n % 5 == 4:  # every fifth: an actor never seen before
                    name = f"new{n}"
                    actors.keys[name] = keys[n % len(keys)]
                    mixed.append(
                        ("new", *sign_create(actors.uri(name), n, actors.keys[name], inbox, now))
                    )
                else:
                    mixed.append(request)
            loaded, mixed_statuses = await send(http, inbox, mixed, args.concurrency)
            new_actors = [name for name in actors.keys if name.startswith("new")]
            per_new = Counter(actors.fetches[name] for name in new_actors)

            actors.keys["crowd"] = keys[0]
            crowd = [
                ("crowd", *sign_create(actors.uri("crowd"), n, keys[0], inbox, now))
                for n in range(50)
            ]
            _, crowd_statuses = await send(http, inbox, crowd, 50)

            actors.keys["rotating"] = keys[0]
            first = sign_create(actors.uri("rotating"), 0, keys[0], inbox, now)
            await send(http, inbox, [("old key", *first)], 1)
            before = actors.fetches["rotating"]
            actors.keys["rotating"] = rotated = generate_rsa_key()
            after_rotation = [
                ("new key", *sign_create(actors.uri("rotating"), n, rotated, inbox, now))
                for n in range(1, 6)
            ]
            _, rotated_statuses = await send(http, inbox, after_rotation[:1], 1)
            refetches_first = actors.fetches["rotating"] - before
            _, later_statuses = await send(http, inbox, after_rotation[1:], 1)
            refetches_later = actors.fetches["rotating"] - before - refetches_first

    s3_p99, known_p99 = _p99(baseline, "known"), _p99(loaded, "known")
    report(
        f"S4 cold keys ({database.backend})",
        [
            (
                "set-up",
                f"{args.actors} known actors on {args.hosts} nodes; key fetch "
                f"{args.fetch_latency * 1000:.0f} ms; {args.concurrency} in flight",
            ),
            (
                "S3 (known actors only)",
                f"p50 {percentile(baseline['known'], 50) * 1000:.1f} ms, p99 {s3_p99:.1f} ms "
                f"({len(baseline['known'])} requests)",
            ),
            (
                "20 % new actors: known p99",
                f"{known_p99:.1f} ms = {known_p99 / s3_p99:.2f} x S3 (target <= 1.1)",
            ),
            (
                "20 % new actors: new p99",
                f"{_p99(loaded, 'new'):.1f} ms ({len(loaded.get('new', []))} requests)",
            ),
            ("answers (mixed)", ", ".join(f"{k}: {v}" for k, v in sorted(mixed_statuses.items()))),
            (
                "key fetches per new actor",
                ", ".join(f"{k} fetch(es): {v} actors" for k, v in sorted(per_new.items()))
                + " (target: all exactly 1)",
            ),
            (
                "50 at once from one new actor",
                f"{actors.fetches['crowd']} fetch(es) (target 1); answers "
                + ", ".join(f"{k}: {v}" for k, v in sorted(crowd_statuses.items())),
            ),
            (
                "rotated key",
                f"first request: {refetches_first} refetch(es), answers "
                f"{dict(rotated_statuses)}; next 4: {refetches_later} refetch(es), answers "
                f"{dict(later_statuses)} (target 1, then 0; all 202)",
            ),
            (
                "S3 accepted/s at this concurrency / R_srv",
                f"{s3_rate:,.0f} / {calib.r_srv:,.0f} = {s3_rate / calib.r_srv:.2f}",
            ),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    add_signer_arguments(parser)
    parser.add_argument("--requests", type=int, default=3000, help="per phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--fetch-latency", type=float, default=0.1, help="seconds")
    parser.add_argument("--calibrate-seconds", type=float, default=1.0)
    event_loop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
