"""Moderation across nodes: a removal and a ban reach every node that holds the group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from federation.tables import InboxItem, QueueState
from node.kinds import MembershipState
from node.storage.models.groups import Membership
from node.storage.models.posts import Post
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, database_of


async def _open_group_on_three_nodes(rig: Rig) -> tuple[RigNode, RigNode, RigNode, str]:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    for node, member in ((b, bea), (c, cal)):
        await node.api.call("POST", f"/api/v1/groups/{circle}/join", as_=member)
    await rig.settle()
    return a, b, c, circle


async def _post_by_uri(node: RigNode, member: Member, uri: str) -> dict[str, Any]:
    """The post as ``node`` shows it to ``member``, found by its URI among its group's."""
    async with database_of(node) as session:
        public_id = await session.scalar(select(Post.public_id).where(Post.uri == uri))
    assert public_id is not None, f"{node.name} holds no {uri}"
    shown: dict[str, Any] = (
        await node.api.call("GET", f"/api/v1/posts/{public_id}", as_=member)
    ).expect(200)
    return shown


async def test_a_moderator_removes_a_post_and_it_disappears_on_every_node(rig: Rig) -> None:
    a, b, c, circle = await _open_group_on_three_nodes(rig)
    mo, bea, cal = a.members["mo"], b.members["bea"], c.members["cal"]
    post = await b.api.post(bea, circle, "Buy cheap pills at example.com", title="Offer")
    await rig.settle()
    [on_a] = await a.api.items(mo, "/api/v1/groups/circle/posts")

    removed = await a.api.call(
        "POST", f"/api/v1/posts/{on_a['id']}/remove", as_=mo, json={"reason": "spam"}
    )
    removed.expect(204)
    await rig.settle()

    for node, member, group in ((a, mo, "circle"), (b, bea, circle), (c, cal, circle)):
        shown = await _post_by_uri(node, member, post["uri"])
        assert (shown["deleted"], shown["content_html"], shown["title"]) == (True, "", None)
        assert await node.api.items(member, f"/api/v1/groups/{group}/posts") == [], node.name
    # Nothing was refused on the way: the removal was believed on the group's word.
    for node in (b, c):
        async with database_of(node) as session:
            failed = (
                await session.scalars(
                    select(InboxItem.last_error).where(InboxItem.state == QueueState.FAILED)
                )
            ).all()
        assert failed == [], node.name

    [entry] = await a.api.items(None, "/api/v1/groups/circle/modlog")
    assert entry["action"] == "remove_post"
    assert entry["moderator"]["acct"] == f"mo@{a.domain}"
    assert entry["target"] == post["uri"]
    assert entry["target_actor"]["acct"] == f"bea@{b.domain}"
    assert entry["reason"] == "spam"


async def test_a_ban_stops_the_members_posts_on_every_node(rig: Rig) -> None:
    a, b, c, circle = await _open_group_on_three_nodes(rig)
    mo, bea, cal = a.members["mo"], b.members["bea"], c.members["cal"]
    banned = await a.api.call(
        "POST",
        f"/api/v1/groups/circle/bans/bea@{b.domain}",
        as_=mo,
        json={"reason": "harassment", "until": "2999-01-01T00:00:00Z"},
    )
    assert banned.expect(200)["state"] == "banned"
    await rig.settle()

    # Her own node knows at once, and refuses ...
    assert await b.api.membership(bea, circle) == "banned"
    refused = await b.api.call(
        "POST", f"/api/v1/groups/{circle}/posts", as_=bea, json={"body": "Still here"}
    )
    assert refused.status == 403
    # ... and the group's node refuses too, whatever her node sends.
    async with database_of(a) as session:
        states = (await session.scalars(select(Membership.state))).all()
    assert MembershipState.BANNED in states
    await c.api.post(cal, circle, "Hello all", title="Hi")
    await rig.settle()
    assert [t["title"] for t in await a.api.items(mo, "/api/v1/groups/circle/posts")] == ["Hi"]
    [entry] = await a.api.items(None, "/api/v1/groups/circle/modlog")
    assert (entry["action"], entry["reason"]) == ("ban", "harassment")
    assert entry["expires_at"].startswith("2999-01-01")

    lifted = await a.api.call("DELETE", f"/api/v1/groups/circle/bans/bea@{b.domain}", as_=mo)
    lifted.expect(204)
    await rig.settle()
    assert await b.api.membership(bea, circle) is None
    await b.api.call("POST", f"/api/v1/groups/{circle}/join", as_=bea)
    await rig.settle()
    assert await b.api.membership(bea, circle) == "approved"
