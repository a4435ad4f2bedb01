"""A fake fediverse: many remote nodes in one process, on loopback only.

Design note: every benchmark needs hundreds of remote inboxes that answer after
a chosen latency and remember what arrived when. One process serves
them all so the node under test gets the other core to itself: each virtual
node is its own listening socket on ``127.0.0.1`` (its own port, hence its own
host to the delivery worker, with its own per-host limits, breaker and keep-
alive connections). A node answers 202 after its latency (a timer started when
the request has been read: the TCP handshake itself is not delayed, so a new
connection costs less than one real round trip), or 503, or never (``hang``).
Arrivals are recorded when the request has been read (that is when a real peer
would have processed it) with ``time.time()``, which the benchmark compares
with its own.

Run as ``python -m bench.fake_fediverse SPEC.json``: it prints one JSON line with
the control port and each node's port, then serves until stdin closes. The
control endpoint answers ``GET /count``, ``GET /records`` (then ``POST /reset``).
``FakeFediverse`` does all of that from the benchmark's side.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, cast

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
        self.records: list[Record] = []

    def arrived(self, node: int, body: bytes, signed: bool) -> None:
        arrived = time.time()
        try:
            activity = json.loads(body)
            kind, obj = str(activity.get("type")), str(activity.get("object"))
            record = (node, str(activity.get("id")), kind, obj, arrived)
        except (ValueError, AttributeError):
            record = (node, "", "malformed", "", arrived)
        self.records.append(record if signed else (node, record[1], "unsigned", record[3], arrived))

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"count": len(self.records)})

    async def all_records(self, request: web.Request) -> web.Response:
        return web.json_response({"records": self.records})

    async def reset(self, request: web.Request) -> web.Response:
        self.records = []
        return web.json_response({"count": 0})


_ANSWERS = {
    "ok": b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
    "503": b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
}


class _Inbox(asyncio.Protocol):
    """One connection to a virtual node: just enough HTTP/1.1 for inbox POSTs.

    Why not aiohttp's server, as before: the remote nodes stand for other
    machines, yet here they share the 2 cores with the node under test, and
    aiohttp spent about 0.4 ms of CPU per request on them (0.8 of a core at
    S2's 2,000/s). Reading the head, the ``Content-Length`` body and answering
    from a timer costs a fraction of that. Keep-alive, one request at a time
    per connection, as our client sends them (no pipelining, no chunked bodies).
    """

    def __init__(self, nodes: _Nodes, node: int) -> None:
        self._nodes, self._node, self._spec = nodes, node, nodes.specs[node]
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            length, signed = 0, False
            for line in bytes(self._buffer[:end]).split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"signature":
                    signed = True
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            self._nodes.arrived(self._node, body, signed)
            if self._spec.mode != "hang":
                answer = _ANSWERS[self._spec.mode]
                asyncio.get_running_loop().call_later(self._spec.latency, self._answer, answer)

    def _answer(self, answer: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(answer)


async def serve(specs: list[NodeSpec]) -> None:
    """Serve the nodes and the control endpoint until stdin closes."""
    nodes = _Nodes(specs)
    loop = asyncio.get_running_loop()
    servers = []
    for index in range(len(specs)):
        inbox = functools.partial(_Inbox, nodes, index)
        servers.append(await loop.create_server(inbox, "127.0.0.1", 0, backlog=1024))
    control = web.Application()
    control.router.add_get("/count", nodes.count)
    control.router.add_get("/records", nodes.all_records)
    control.router.add_post("/reset", nodes.reset)
    control_runner = web.AppRunner(control, handle_signals=False, access_log=None)
    await control_runner.setup()
    await web.TCPSite(control_runner, "127.0.0.1", 0).start()
    ports = [int(server.sockets[0].getsockname()[1]) for server in servers]
    print(json.dumps({"control": int(control_runner.addresses[0][1]), "nodes": ports}), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # the parent closed our stdin: stop
    for server in servers:
        server.close()
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
