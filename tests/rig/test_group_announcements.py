"""Announcements: a moderator pins a thread, and every member's node shows it pinned."""

from __future__ import annotations

from typing import Any

from federation.remote.http import FetchError
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode
from web.keys import FEDERATION


async def _pinned(node: RigNode, member: Member, group: str) -> list[str]:
    answer = await node.api.call("GET", f"/api/v1/groups/{group}/pinned", as_=member)
    return [post["title"] for post in answer.expect(200)["items"]]


async def _fetch(node: RigNode, url: str) -> dict[str, Any]:
    assert node.server is not None
    try:
        return await node.server.app[FEDERATION].fetch(url)
    except FetchError as exc:  # pragma: no cover - the assertion names the failure
        raise AssertionError(f"{url}: {exc.reason}") from None


async def test_a_pinned_announcement_reaches_every_members_node(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, ada = await a.member("mo"), await a.member("ada")
    bea, cal = await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await a.api.join(ada, "circle")
    for node, member in ((b, bea), (c, cal)):
        await node.api.join(member, circle)
    await rig.settle()

    talk = await b.api.post(bea, circle, "Anyone around tonight?", title="Tonight")
    news = await a.api.post(mo, "circle", "We meet on Thursdays now.", title="New meeting day")
    # Only moderators pin, and only thread starts.
    refused = await a.api.call("PUT", f"/api/v1/posts/{news['id']}/pin", as_=ada)
    assert refused.status == 403
    pinned = await a.api.call("PUT", f"/api/v1/posts/{news['id']}/pin", as_=mo)
    assert pinned.expect(200)["pinned"] is True
    await rig.settle()

    for node, member, group in ((a, mo, "circle"), (b, bea, circle), (c, cal, circle)):
        assert await _pinned(node, member, group) == ["New meeting day"], node.name
        threads = await node.api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
        shown = [(t["title"], t["pinned"]) for t in threads.expect(200)["items"]]
        assert shown == [("New meeting day", True), ("Tonight", False)], node.name

    # What Lemmy and Mastodon read: the group's featured and moderators collections.
    group_uri = f"{a.settings.base_url}/groups/circle"
    featured = await _fetch(b, f"{group_uri}/featured")
    assert [item["id"] for item in featured["orderedItems"]] == [news["uri"]]
    assert featured["orderedItems"][0]["type"] == "Page"
    moderators = await _fetch(b, f"{group_uri}/moderators")
    assert moderators["orderedItems"] == [f"{a.settings.base_url}/members/mo"]

    await a.api.call("DELETE", f"/api/v1/posts/{news['id']}/pin", as_=mo)
    await rig.settle()
    for node, member, group in ((a, mo, "circle"), (b, bea, circle), (c, cal, circle)):
        assert await _pinned(node, member, group) == [], node.name
    assert (await _fetch(c, f"{group_uri}/featured"))["orderedItems"] == []
    assert talk["uri"].startswith(b.settings.base_url)


async def test_a_reply_cannot_be_pinned_nor_a_thread_of_a_group_elsewhere(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    await b.api.create_group(bea, "nook")
    await b.api.join(bea, f"circle@{a.domain}")
    await rig.settle()
    thread = await a.api.post(mo, "circle", "Hello", title="Hello")
    reply = await a.api.reply(mo, thread["id"], "Hi")
    assert (await a.api.call("PUT", f"/api/v1/posts/{reply['id']}/pin", as_=mo)).status == 422
    await rig.settle()

    # Bea moderates her own group on B, not A's: on A's thread she cannot pin anything.
    [on_b] = (await b.api.call("GET", f"/api/v1/groups/circle@{a.domain}/posts", as_=bea)).expect(
        200
    )["items"]
    assert (await b.api.call("PUT", f"/api/v1/posts/{on_b['id']}/pin", as_=bea)).status == 403
