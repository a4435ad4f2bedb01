"""Driving the independent Fedify peer from ``../shared/peers/fedify-peer``.

The peer is a small server on Fedify (a TypeScript ActivityPub framework we did
not write). ``make test`` installs a copy under ``build/fedify-peer`` with
``npm ci``; tests start it on its own loopback address and talk to its control
API. In CI a peer that cannot be started fails the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.rig.rig import Rig, _free_port
from tests.shared_fixtures import REPO_ROOT

PEER_DIR = Path(os.environ.get("KINFOLK_FEDIFY_PEER", REPO_ROOT / "build" / "fedify-peer"))
START_TIMEOUT = 30.0
PATIENCE = 15.0  # seconds to wait for a peer, which delivers on its own schedule
FIRST_PEER_HOST = 40  # peers listen on 127.0.0.40, .41, …; rig nodes use .11 upwards


def require_peer(in_ci: bool) -> Path:
    """The installed peer, or a skip (a failure in CI) saying how to install it."""
    runner = PEER_DIR / "run-peer.sh"
    if (PEER_DIR / "node_modules" / ".bin" / "node").exists() and runner.exists():
        return runner
    message = f"the Fedify peer is not installed at {PEER_DIR} (make test installs it)"
    if in_ci:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class FedifyPeer:
    host: str
    port: int
    user: str
    process: subprocess.Popen[bytes]
    http: aiohttp.ClientSession

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.origin}/users/{self.user}"

    @property
    def handle(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    async def control(self, method: str, route: str, **body: Any) -> Any:
        url = f"{self.origin}/_control/{route}"
        async with self.http.request(
            method,
            url,
            json=body if method == "POST" else None,
            params=None if method == "POST" else {k: str(v) for k, v in body.items()},
        ) as response:
            payload = await response.json(content_type=None)
            assert response.status < 300, f"{route}: {response.status} {payload}"
            return payload

    async def received(self, kind: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = await self.control("GET", "received", type=kind)
        return items

    async def stop(self) -> None:
        self.process.terminate()
        try:
            await asyncio.to_thread(self.process.wait, 10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        await self.http.close()


def _spawn(
    runner: Path, host: str, port: int, data: Path, extra: tuple[str, ...], user: str
) -> subprocess.Popen[bytes]:
    log = (data.parent / f"fedify-{user}-{port}.log").open("wb")
    return subprocess.Popen(  # the peer's own script; no shell, fixed arguments
        [
            str(runner),
            "--host",
            host,
            "--port",
            str(port),
            "--user",
            user,
            "--data",
            str(data),
            "--log-level",
            "warning",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def start_peer(
    runner: Path, host: str, port: int, data: Path, *extra: str, user: str = "alice"
) -> FedifyPeer:
    process = _spawn(runner, host, port, data, extra, user)
    peer = FedifyPeer(host, port, user, process, aiohttp.ClientSession())
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            await peer.control("GET", "status")
            return peer
        except (aiohttp.ClientError, AssertionError):
            await asyncio.sleep(0.2)
    await peer.stop()
    raise RuntimeError(f"the Fedify peer did not start; see its log in {data.parent}")


@dataclass
class Peers:
    """Fedify peers started for one test, each on its own loopback address, all stopped
    at its end (the ``fedify`` fixture)."""

    runner: Path
    tmp: Path
    started: list[FedifyPeer] = field(default_factory=list)

    async def start(self, *extra: str, user: str = "alice") -> FedifyPeer:
        """Another peer; ``extra`` are its command-line options (``--actor-type Group``)."""
        index = len(self.started)
        host = f"127.0.0.{FIRST_PEER_HOST + index}"
        data = self.tmp / f"peer-{index}"
        peer = await start_peer(self.runner, host, _free_port(host), data, *extra, user=user)
        self.started.append(peer)
        return peer

    async def stop(self) -> None:
        for peer in self.started:
            await peer.stop()


async def eventually(rig: Rig, check: Callable[[], Awaitable[Any]]) -> Any:
    """Run the rig's workers until ``check`` returns something truthy, and return it."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        await rig.settle()
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)  # the peer delivers on its own schedule
    raise AssertionError("timed out waiting for the Fedify peer")
