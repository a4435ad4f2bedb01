"""Interop with an independent implementation: the Fedify peer, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from federation.tables import InboxItem, QueueState
from tests.rig.fedify import FedifyPeer, Peers, eventually
from tests.rig.rig import Rig, count


@pytest.fixture(params=["rfc9421", "draft-cavage-http-signatures-12"], ids=["9421", "cavage"])
async def peer(request: pytest.FixtureRequest, fedify: Peers) -> FedifyPeer:
    return await fedify.start("--first-knock", request.param)


async def test_fedify_follows_a_member_and_receives_posts(rig: Rig, peer: FedifyPeer) -> None:
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    await a.api.create_group(ana, "circle")
    await peer.control("POST", "follow", handle=f"@ana@{a.domain}")

    async def accepted() -> bool:
        following = await peer.control("GET", "following")
        return any(f["state"] == "accepted" for f in following.values())

    await eventually(rig, accepted)
    thread = await a.api.post(ana, "circle", "Hello, Fedify", title="Hi")

    async def created() -> list[dict[str, Any]]:
        return [
            c
            for c in await peer.received("Create")
            if c["activity"]["object"]["id"] == thread["uri"]
        ]

    (create,) = await eventually(rig, created)
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

    await eventually(rig, accepted)
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

    assert await eventually(rig, received) == 1  # verified, queued and processed once
