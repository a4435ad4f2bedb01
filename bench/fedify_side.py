"""S3 side by side: the same signed inbox load, sent to the independent Fedify peer.

Design note: a ratio to ``R_srv`` says how much of our own server stack the inbox
keeps; a ratio to another server says whether the work done per activity is
reasonable. The Fedify peer (``../shared/peers/fedify-peer``, installed under
``build/fedify-peer`` by ``make build/fedify-peer/.installed``) verifies each
signature (fetching the actor's key the first time, then from its cache) and
records the activity, then answers 202: what our inbox does, with an append to a
file where we commit a row.

Fedify resolves actors over HTTP, so the 1,000 actors (same keys as Kinfolk's)
are served by this process on one loopback port, one path per simulated node
(``/node7/users/u7``); Kinfolk's actors are in its database already. The
activities are the same 2 KB ``Create(Note)``s, signed the same way for the
peer's inbox. As for Kinfolk, one activity from each actor is sent first, so
that every key is cached before the steps are measured.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.signing.keys import public_key_to_pem
from tests.rig.fedify import PEER_DIR

START_TIMEOUT = 30.0


@dataclass(frozen=True)
class FedifyPeer:
    inbox: str
    actors_origin: str  # where this process serves the actors the peer fetches
    pid: int


def peer_missing() -> str | None:
    """Why the peer cannot run here (None when it is installed)."""
    if (PEER_DIR / "node_modules" / ".bin" / "node").exists():
        return None
    return f"the Fedify peer is not installed at {PEER_DIR} (make build/fedify-peer/.installed)"


def fedify_actor(origin: str, index: int, hosts: int) -> str:
    return f"{origin}/node{index % hosts}/users/u{index}"


def _actor_document(uri: str, key: rsa.RSAPublicKey) -> dict[str, object]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": uri,
        "type": "Person",
        "preferredUsername": uri.rsplit("/", 1)[1],
        "inbox": f"{uri}/inbox",
        "publicKey": {
            "id": f"{uri}#main-key",
            "owner": uri,
            "publicKeyPem": public_key_to_pem(key),
        },
    }


async def _serve_actors(keys: list[rsa.RSAPrivateKey], actors: int) -> tuple[web.AppRunner, str]:
    """Every actor's document, as its node would serve it."""

    async def actor(request: web.Request) -> web.Response:
        index = int(request.match_info["index"])
        if index >= actors:
            raise web.HTTPNotFound()
        uri = str(request.url.with_query(None).with_fragment(None))
        document = _actor_document(uri, keys[index % len(keys)].public_key())
        return web.Response(text=json.dumps(document), content_type="application/activity+json")

    app = web.Application()
    app.router.add_get(r"/{node:node[0-9]+}/users/u{index:[0-9]+}", actor)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@asynccontextmanager
async def fedify_peer(
    keys: list[rsa.RSAPrivateKey], actors: int, port: int, workdir: Path
) -> AsyncIterator[FedifyPeer]:
    """The peer on ``port``, and the actors it will fetch, until the block ends."""
    runner, origin = await _serve_actors(keys, actors)
    log = (workdir / "fedify-peer.log").open("wb")
    process = await asyncio.create_subprocess_exec(  # the peer's own script, fixed arguments
        str(PEER_DIR / "run-peer.sh"),
        *("--host", "127.0.0.1", "--port", str(port), "--user", "bench"),
        *("--data", str(workdir / "fedify-data"), "--log-level", "error"),
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    peer = FedifyPeer(f"http://127.0.0.1:{port}/inbox", origin, process.pid)
    try:
        await _wait_until_up(f"http://127.0.0.1:{port}/_control/status", process)
        yield peer
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
        log.close()
        await runner.cleanup()


async def _wait_until_up(status_url: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline and process.returncode is None:
            try:
                async with http.get(status_url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the Fedify peer did not start; see fedify-peer.log in the work dir")


def recorded(workdir: Path) -> int:
    """How many activities the peer recorded as received (verified)."""
    path = workdir / "fedify-data" / "received.jsonl"
    return 0 if not path.exists() else path.read_bytes().count(b"\n")
