"""A fake fediverse: many remote nodes in one process, on loopback only.

Design note: every benchmark needs hundreds of remote inboxes that answer after
a chosen latency and remember what arrived when. One aiohttp process serves
them all so the node under test gets the other core to itself: each virtual
node is its own listening socket on ``127.0.0.1`` (its own port, hence its own
host to the delivery worker, with its own per-host limits, breaker and keep-
alive connections). A node answers 202 after its latency (``asyncio.sleep`` in
the handler: the TCP handshake itself is not delayed, so a new connection costs
less than one real round trip), or 503, or never (``hang``). Arrivals are
recorded when the request has been read (that is when a real peer would have
processed it) with ``time.time()``, which the benchmark compares with its own.

Run as ``python -m bench.fake_fediverse SPEC.json``: it prints one JSON line with
the control port and each node's port, then serves until stdin closes. The
control endpoint answers ``GET /count``, ``GET /records`` (then ``POST /reset``).
``FakeFediverse`` does all of that from the benchmark's side.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from web import event_loop

Record = tuple[int, str, str, str, float]  # node, activity id, type, object uri, arrived at


@dataclass(frozen=True)
class NodeSpec:
    """One virtual remote node."""

    latency: float = 0.1  # seconds before the answer
    mode: str = "ok"  # "ok" (202), "503", or "hang" (accepts, reads, never answers)


class _Nodes:
    def __init__(self, specs: list[NodeSpec]) -> None:
        self.specs = specs
        self.by_port: dict[int, int] = {}
        self.records: list[Record] = []
        self.forever = asyncio.Event()

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.time()
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        node = self.by_port.get(sockname[1] if sockname else -1, -1)
        spec = self.specs[node] if node >= 0 else NodeSpec()
        try:
            activity = json.loads(body)
            kind, obj = str(activity.get("type")), str(activity.get("object"))
            record = (node, str(activity.get("id")), kind, obj, arrived)
        except (ValueError, AttributeError):
            record = (node, "", "malformed", "", arrived)
        signed = "signature" in request.headers or "Signature" in request.headers
        self.records.append(record if signed else (node, record[1], "unsigned", record[3], arrived))
        if spec.mode == "hang":
            await self.forever.wait()
        await asyncio.sleep(spec.latency)
        return web.Response(status=503 if spec.mode == "503" else 202)

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"count": len(self.records)})

    async def all_records(self, request: web.Request) -> web.Response:
        return web.json_response({"records": self.records})

    async def reset(self, request: web.Request) -> web.Response:
        self.records = []
        return web.json_response({"count": 0})


async def serve(specs: list[NodeSpec]) -> None:
    """Serve the nodes and the control endpoint until stdin closes."""
    nodes = _Nodes(specs)
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_post("/{tail:.*}", nodes.inbox)
    control = web.Application()
    control.router.add_get("/count", nodes.count)
    control.router.add_get("/records", nodes.all_records)
    control.router.add_post("/reset", nodes.reset)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    control_runner = web.AppRunner(control, handle_signals=False, access_log=None)
    await runner.setup()
    await control_runner.setup()
    ports = []
    for index in range(len(specs)):
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = int(runner.addresses[-1][1])
        nodes.by_port[port] = index
        ports.append(port)
    await web.TCPSite(control_runner, "127.0.0.1", 0).start()
    print(json.dumps({"control": int(control_runner.addresses[0][1]), "nodes": ports}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # the parent closed our stdin: stop
    nodes.forever.set()
    await runner.cleanup()
    await control_runner.cleanup()


class FakeFediverse:
    """The benchmark's handle on a fake-fediverse subprocess (an async context manager)."""

    def __init__(self, specs: list[NodeSpec], spec_file: Path) -> None:
        self.specs = specs
        self._spec_file = spec_file
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self.ports: list[int] = []
        self.control = 0

    def inbox(self, node: int, path: str = "/inbox") -> str:
        return f"http://127.0.0.1:{self.ports[node]}{path}"

    def host(self, node: int) -> str:
        return f"127.0.0.1:{self.ports[node]}"

    async def __aenter__(self) -> FakeFediverse:
        self._spec_file.write_text(json.dumps([asdict(s) for s in self.specs]))
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fake_fediverse",
            str(self._spec_file),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        line = await self._process.stdout.readline()
        if not line:
            raise RuntimeError("the fake fediverse did not start")
        started = json.loads(line)
        self.control, self.ports = started["control"], started["nodes"]
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.close()
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                async with asyncio.timeout(10):
                    await self._process.wait()
            except TimeoutError:
                self._process.kill()
                await self._process.wait()

    async def count(self) -> int:
        return int((await self._get("/count"))["count"])

    async def records(self) -> list[Record]:
        raw: list[list[Any]] = (await self._get("/records"))["records"]
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4])) for r in raw]

    async def reset(self) -> None:
        assert self._http is not None
        async with self._http.post(f"http://127.0.0.1:{self.control}/reset") as response:
            response.raise_for_status()

    async def _get(self, path: str) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.get(f"http://127.0.0.1:{self.control}{path}") as response:
            response.raise_for_status()
            result: dict[str, Any] = await response.json()
            return result


def main() -> None:
    specs = [NodeSpec(**item) for item in json.loads(Path(sys.argv[1]).read_text())]
    event_loop.run(serve(specs))


if __name__ == "__main__":
    main()
