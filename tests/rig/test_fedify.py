"""Interop with an independent implementation: the Fedify peer, over real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from federation.tables import InboxItem, QueueState
from tests.conftest import IN_CI
from tests.rig.fedify import FedifyPeer, require_peer, start_peer
from tests.rig.rig import Rig, _free_port, count

PEER_HOST = "127.0.0.40"
PATIENCE = 15.0  # seconds to wait for the peer, which delivers on its own schedule


@pytest.fixture(params=["rfc9421", "draft-cavage-http-signatures-12"], ids=["9421", "cavage"])
async def peer(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FedifyPeer]:
    runner = require_peer(IN_CI)
    started = await start_peer(
        runner, PEER_HOST, _free_port(PEER_HOST), tmp_path / "peer",
        "--first-knock", request.param,
    )  # fmt: skip
    yield started
    await started.stop()


async def _eventually(rig: Rig, check: Callable[[], Awaitable[Any]]) -> Any:
    """Run the rig's workers until ``check`` returns something truthy."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        await rig.settle()
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)  # the peer delivers on its own schedule
    raise AssertionError("timed out waiting for the Fedify peer")


async def test_fedify_follows_a_member_and_receives_posts(rig: Rig, peer: FedifyPeer) -> None:
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    await a.api.create_group(ana, "circle")
    await peer.control("POST", "follow", handle=f"@ana@{a.domain}")

    async def accepted() -> bool:
        following = await peer.control("GET", "following")
        return any(f["state"] == "accepted" for f in following.values())

    await _eventually(rig, accepted)
    thread = await a.api.post(ana, "circle", "Hello, Fedify", title="Hi")

    async def created() -> list[dict[str, Any]]:
        return [
            c
            for c in await peer.received("Create")
            if c["activity"]["object"]["id"] == thread["uri"]
        ]

    (create,) = await _eventually(rig, created)
    assert create["verified"] is True
    assert create["actor"] == f"{a.settings.base_url}/members/ana"
    assert create["activity"]["object"]["audience"] == f"{a.settings.base_url}/groups/circle"
    assert await peer.control("GET", "rejected") == []


async def test_a_member_follows_fedify_and_receives_its_note(rig: Rig, peer: FedifyPeer) -> None:
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    followed = await a.api.call("POST", f"/api/v1/members/{peer.handle}/follow", as_=ana)
    assert followed.expect(200)["followee"]["id"] == peer.actor

    async def accepted() -> bool:
        answer = await a.api.call("GET", "/api/v1/accounts/me/following", as_=ana)
        return bool(answer.expect(200)["items"][0]["state"] == "accepted")

    await _eventually(rig, accepted)
    note_id = (await peer.control("POST", "post", content="Hello from Fedify"))["note"]

    async def received() -> int:
        done = (
            select(func.count())
            .select_from(InboxItem)
            .where(
                InboxItem.actor_uri == peer.actor,
                InboxItem.payload.contains(note_id),
                InboxItem.state == QueueState.DONE,
            )
        )
        return await count(a, done)

    assert await _eventually(rig, received) == 1  # verified, queued and processed once
