"""A public group's outbox lists its recent threads anyone may read, as the group's
``Announce`` of each ``Create`` (Lemmy's outbox shape), whole and in pages, so other nodes
can back-fill it; a private group's stays a count, for the nodes that may read it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api_client import Member
from tests.rig.rig import Rig, RigNode
from web import activitypub

AS2 = {"Accept": "application/activity+json"}
RULES = [
    {"title": "Be gentle", "description": "What is shared here stays here."},
    {"title": "No advice unless asked", "description": ""},
]


async def circle_with_threads(
    a: RigNode, mo: Member, name: str = "circle", **fields: Any
) -> dict[str, Any]:
    """A group on A with threads, a reply and a pinned announcement (oldest first)."""
    await a.api.create_group(mo, name, display_name="The Circle", rules=RULES, **fields)
    posted = {}
    for title in ("Welcome, read me", "Sundays", "Small wins"):
        posted[title] = await a.api.post(mo, name, f"About {title.lower()}.", title=title)
    await a.api.reply(mo, posted["Sundays"]["id"], "A long walk helps.")
    pinned = await a.api.call(
        "PUT", f"/api/v1/posts/{posted['Welcome, read me']['id']}/pin", as_=mo
    )
    pinned.expect(200)
    return posted


async def test_a_public_groups_outbox_lists_its_recent_live_threads_in_pages(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activitypub, "OUTBOX_PAGE", 2)
    a = await rig.add_node("alpha")
    mo, ann = await a.member("mo"), await a.member("ann")
    await circle_with_threads(a, mo)
    await a.api.join(ann, "circle")
    # A thread its author deleted after someone answered: a tombstone in the thread list,
    # and nothing the outbox lists.
    gone = await a.api.post(ann, "circle", "Regretted.", title="Deleted one")
    await a.api.reply(mo, gone["id"], "Take care.")
    (await a.api.call("DELETE", f"/api/v1/posts/{gone['id']}", as_=ann)).expect(204)
    assert len(await a.api.items(None, "/api/v1/groups/circle/posts")) == 4
    assert a.client is not None
    outbox = f"{a.settings.base_url}/groups/circle/outbox"

    async def get(url: str) -> dict[str, Any]:
        assert a.client is not None
        async with a.client.session.get(url, headers=AS2) as response:
            assert response.status == 200, url
            document: dict[str, Any] = await response.json(content_type=None)
            return document

    whole = await get(outbox)
    assert (whole["type"], whole["totalItems"], whole["first"]) == (
        "OrderedCollection",
        3,
        f"{outbox}?page=1",
    )
    titles = [item["object"]["object"]["name"] for item in whole["orderedItems"]]
    assert titles == ["Small wins", "Sundays", "Welcome, read me"]
    item = whole["orderedItems"][0]
    assert (item["type"], item["actor"], item["object"]["type"]) == (
        "Announce",
        f"{a.settings.base_url}/groups/circle",
        "Create",
    )
    assert item["object"]["actor"] == item["object"]["object"]["attributedTo"]
    assert "https://www.w3.org/ns/activitystreams#Public" in item["to"]

    first = await get(whole["first"])
    assert (first["type"], first["partOf"], first["next"]) == (
        "OrderedCollectionPage",
        outbox,
        f"{outbox}?page=2",
    )
    second = await get(first["next"])
    paged = first["orderedItems"] + second["orderedItems"]
    assert [item["object"]["object"]["name"] for item in paged] == titles
    assert "next" not in second

    # A private group's outbox stays a count, for the nodes that may read it only.
    await a.api.create_group(mo, "haven", visibility="private")
    await a.api.post(mo, "haven", "Only for us.", title="Between us")
    async with a.client.session.get(
        f"{a.settings.base_url}/groups/haven/outbox", headers=AS2
    ) as response:
        assert response.status == 404
