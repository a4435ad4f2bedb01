"""Members of two nodes following each other, over real HTTP with real signatures."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from federation.tables import Destination, InboxItem, QueueState
from node.storage.models.posts import Post
from tests.rig.rig import Rig, count, rows_of


async def test_follow_accept_post_and_unfollow_across_nodes(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, ben = await a.member("ana"), await b.member("ben")

    followed = await a.api.call("POST", f"/api/v1/members/ben@{b.domain}/follow", as_=ana)
    assert followed.expect(200)["state"] == "pending"
    await rig.settle()
    following = (await a.api.call("GET", "/api/v1/accounts/me/following", as_=ana)).expect(200)
    assert [(f["followee"]["acct"], f["state"]) for f in following["items"]] == [
        (f"ben@{b.domain}", "accepted")
    ]

    await b.api.create_group(ben, "circle")
    thread = await b.api.post(ben, "circle", "Hello from **beta**", title="Hi")
    await rig.settle()
    assert (
        await count(a, select(func.count()).select_from(Post).where(Post.uri == thread["uri"])) == 1
    )
    group_threads = (
        await a.api.call("GET", f"/api/v1/groups/circle@{b.domain}/posts", as_=ana)
    ).expect(200)
    assert [t["title"] for t in group_threads["items"]] == ["Hi"]
    assert group_threads["items"][0]["content_html"] == "<p>Hello from <strong>beta</strong></p>"

    await a.api.call("POST", f"/api/v1/members/ben@{b.domain}/unfollow", as_=ana)
    await rig.settle()
    followers = await count(
        b, select(func.count()).select_from(InboxItem).where(InboxItem.state == QueueState.DONE)
    )
    assert followers == 2  # the Follow and the Undo, each processed once
    await b.api.post(ben, "circle", "Nobody over there follows me now")
    await rig.settle()
    assert await count(a, select(func.count()).select_from(Post)) == 1


async def test_kinfolk_nodes_sign_to_each_other_with_ed25519_from_the_first_delivery(
    rig: Rig,
) -> None:
    """Each node reads the other's FEP-844e claim when it first fetches an actor, so even
    the Follow goes out as RFC 9421 with Ed25519: a tenth of an RSA signature's cost."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ana, ben = await a.member("ana"), await b.member("ben")
    await a.api.call("POST", f"/api/v1/members/ben@{b.domain}/follow", as_=ana)
    await rig.settle()
    await b.api.create_group(ben, "circle")
    await b.api.post(ben, "circle", "Hello from beta")
    await rig.settle()
    for node, kinds in ((b, {"Follow"}), (a, {"Accept", "Create"})):
        rows = await rows_of(node, select(InboxItem.key_id, InboxItem.payload))
        assert kinds <= {json.loads(payload)["type"] for _, payload in rows}
        assert {key_id.rsplit("#", 1)[1] for key_id, _ in rows} == {"ed25519-key"}
    for node, other in ((a, b), (b, a)):
        standard = select(Destination.signature_standard).where(Destination.host == other.domain)
        assert await rows_of(node, standard) == [("ed25519",)]
