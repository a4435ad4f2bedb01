"""Group federation (FEP-1b12) with an independent implementation: the Fedify peer.

As a member, the peer joins a group hosted on a Kinfolk node, posts into it and
hears the group's ``Announce`` of every post; a Kinfolk node on the side gets the
peer's post through the group too. Run as a ``Group``, the peer is joined from a
Kinfolk node, and what it announces (Guppe-style: the bare object) shows there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from federation.tables import InboxItem, QueueState
from tests.api_client import Member
from tests.rig.fedify import FedifyPeer, Peers, eventually
from tests.rig.rig import Rig, RigNode, database_of


async def _posts(node: RigNode, member: Member, group: str) -> dict[str, Any]:
    """A group's posts as a member of ``node`` sees them, by their ActivityPub id."""
    answer = await node.api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
    return {item["uri"]: item for item in answer.expect(200)["items"]}


async def _announced(peer: FedifyPeer, object_id: str) -> list[dict[str, Any]]:
    """The Announces the peer received whose activity carries the object ``object_id``."""
    found = []
    for record in await peer.received("Announce"):
        inner = record["activity"]["object"]
        shared = inner.get("object") if isinstance(inner, dict) else None
        if object_id in {inner if isinstance(inner, str) else None, _id(shared)}:
            found.append(record)
    return found


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


async def _refused(node: RigNode) -> list[str | None]:
    """Why a node's inbox refused anything (nothing is refused in these exchanges)."""
    async with database_of(node) as session:
        failed = select(InboxItem.last_error).where(InboxItem.state == QueueState.FAILED)
        return list(await session.scalars(failed))


async def _sent_announce(group: FedifyPeer, object_id: str) -> bool:
    """Whether the peer, as a group, has announced ``object_id`` to its followers."""
    sent = await group.control("GET", "sent")
    return any(
        s["ok"] and s["activity"]["type"] == "Announce" and s["activity"]["object"] == object_id
        for s in sent
    )


async def test_a_fedify_member_posts_into_a_group_and_hears_its_announces(
    rig: Rig, fedify: Peers
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    group_uri = f"{a.settings.base_url}/groups/circle"
    await b.api.join(bea, circle)
    peer = await fedify.start()
    await peer.control("POST", "follow", handle=circle)

    async def accepted() -> bool:
        return bool((await peer.control("GET", "following"))[group_uri]["state"] == "accepted")

    await eventually(rig, accepted)
    assert await b.api.membership(bea, circle) == "approved"

    note = (
        await peer.control(
            "POST", "post", content="<p>Sundays are hard.</p>", name="Sundays", group=circle
        )
    )["note"]

    async def on_both() -> bool:
        return note in await _posts(a, mo, "circle") and note in await _posts(b, bea, circle)

    await eventually(rig, on_both)
    shown = (await _posts(b, bea, circle))[note]
    assert (shown["title"], shown["content_html"]) == ("Sundays", "<p>Sundays are hard.</p>")
    assert shown["author"]["id"] == peer.actor

    # Kinfolk members' posts, on the group's node and on another, reach the peer too.
    on_a = await a.api.post(mo, "circle", "A long walk helps.", title="Walks")
    on_b = await b.api.post(bea, circle, "So does tea.", title="Tea")
    posts = {
        note: peer.actor,
        on_a["uri"]: a.settings.base_url + "/members/mo",
        on_b["uri"]: b.settings.base_url + "/members/bea",
    }

    async def all_announced() -> list[dict[str, Any]]:
        found = [await _announced(peer, uri) for uri in posts]
        return [records[0] for records in found] if all(found) else []

    for (uri, author), record in zip(
        posts.items(), await eventually(rig, all_announced), strict=True
    ):
        assert record["verified"] is True
        assert record["actor"] == group_uri
        assert record["activity"]["audience"] == group_uri
        create = record["activity"]["object"]  # each author's own Create, shared as it came
        assert (create["type"], create["actor"], _id(create["object"])) == ("Create", author, uri)
    assert await peer.control("GET", "rejected") == []
    assert await _refused(a) == await _refused(b) == []


async def test_a_member_joins_a_fedify_group_and_sees_what_it_announces(
    rig: Rig, fedify: Peers
) -> None:
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    group = await fedify.start("--actor-type", "Group", user="garden")
    joined = await a.api.call("POST", f"/api/v1/groups/{group.handle}/join", as_=ana)
    assert joined.expect(200)["state"] == "pending"

    async def approved() -> bool:
        return await a.api.membership(ana, group.handle) == "approved"

    await eventually(rig, approved)
    assert f"{a.settings.base_url}/members/ana" in await group.control("GET", "followers")

    # Ana's own post goes to the group, which announces it back to its followers ...
    mine = await a.api.post(ana, group.handle, "Hello, garden.", title="Hello")
    await eventually(rig, lambda: _sent_announce(group, mine["uri"]))
    # ... and a post by someone else, on a third server, reaches Ana through the group.
    bob = await fedify.start(user="bob")
    note = (
        await bob.control("POST", "post", content="<p>The roses are out.</p>", group=group.handle)
    )["note"]

    async def listed_there() -> dict[str, Any]:
        listed = await _posts(a, ana, group.handle)
        return listed if note in listed else {}

    listed = await eventually(rig, listed_there)
    assert listed[note]["author"]["id"] == bob.actor
    assert listed[note]["content_html"] == "<p>The roses are out.</p>"
    assert set(listed) == {mine["uri"], note}
    assert await _refused(a) == []  # Ana's own post, shared back by reference, is ignored
