"""Federation policy across real nodes: a suspended node gets 403 and nothing else; an
allowlist federates with the nodes it lists only."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.enqueue import drop_refused_deliveries
from federation.remote.http import FetchError
from federation.signing import signatures
from federation.tables import Delivery, InboxItem
from node.federation_policy import storage
from node.kinds import NodeRole
from node.storage.models.actors import Account, Actor
from node.storage.models.groups import Membership
from node.storage.models.posts import Post
from tests.api_client import Answer, Member
from tests.rig.rig import Rig, RigNode, count, database_of, keys_of
from web.keys import FEDERATION, WORKERS

Change = Callable[[AsyncSession], Awaitable[Any]]


async def change_policy(node: RigNode, *changes: Change) -> None:
    """What ``kinfolk policy …`` does on ``node``; its running processes notice at once."""
    async with database_of(node) as session:
        for change in changes:
            await change(session)
        await storage.cut_refused_ties(session)
        await drop_refused_deliveries(session, now=node.clock())
    assert node.server is not None
    node.server.app[FEDERATION].policy.invalidate()  # else within PolicyCache.max_age


async def signed_post(sender: RigNode, handle: str, target: RigNode) -> tuple[int, Any]:
    """A valid, signed Create from ``handle`` on ``sender`` to ``target``'s shared inbox."""
    author = f"{sender.settings.base_url}/members/{handle}"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{author}/activities/policy-test",
        "type": "Create",
        "actor": author,
        "object": {
            "id": f"{author}/notes/1",
            "type": "Note",
            "attributedTo": author,
            "content": "hello",
        },
    }
    keys = await keys_of(sender, handle)
    body = json.dumps(activity).encode()
    headers = signatures.sign_request(
        "POST",
        f"{target.settings.base_url}/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        key_id=keys.rsa_key_id,
        private_key=keys.rsa,
        now=target.clock(),
    )
    del headers["Host"]
    assert target.client is not None
    async with target.client.post("/inbox", data=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def members_from(node: RigNode, other: RigNode) -> int:
    return await count(
        node,
        select(func.count())
        .select_from(Membership)
        .join(Actor, Membership.member_id == Actor.id)
        .where(Actor.domain == other.domain),
    )


async def deliveries_to(node: RigNode, other: RigNode) -> int:
    return await count(
        node, select(func.count()).select_from(Delivery).where(Delivery.host == other.domain)
    )


async def test_a_suspended_node_is_cut_off_both_ways(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await c.api.join(cal, circle)
    await rig.settle()
    assert await members_from(a, c) == 1

    await change_policy(
        a,
        lambda s: storage.set_rule(s, c.domain, "suspend", reason="harassment", now=a.clock()),
    )
    assert await members_from(a, c) == 0  # C's members are out of A's groups
    assert await members_from(a, b) == 1

    status, problem = await signed_post(c, "cal", a)
    assert status == 403, problem
    assert problem["code"] == "refused_by_policy"
    assert "harassment" in problem["detail"]
    assert await count(a, select(func.count()).select_from(InboxItem)) == 2  # the two joins

    sent_to_c = await deliveries_to(a, c)
    thread = await a.api.post(mo, "circle", "For members only", title="News")
    await c.api.post(cal, circle, "Let me in", title="From gamma")
    await rig.settle()
    on_b = select(func.count()).select_from(Post).where(Post.uri == thread["uri"])
    assert await count(b, on_b) == 1
    assert await deliveries_to(a, c) == sent_to_c  # nothing new queued for C
    from_c = (
        select(func.count())
        .select_from(Post)
        .join(Actor, Post.author_id == Actor.id)
        .where(Actor.domain == c.domain)
    )
    assert await count(a, from_c) == 0  # C's content never lands on A

    assert a.server is not None
    with pytest.raises(FetchError, match="federation policy"):
        await a.server.app[FEDERATION].lookup(f"cal@{c.domain}")


async def test_an_allowlist_federates_with_the_listed_node_only(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await change_policy(
        a,
        lambda s: storage.set_rule(s, b.domain, "allow", now=a.clock()),
        lambda s: storage.set_mode(s, "allowlist", now=a.clock()),
    )

    await b.api.join(bea, circle)
    await c.api.join(cal, circle)
    await rig.settle()
    assert await b.api.membership(bea, circle) == "approved"
    assert await c.api.membership(cal, circle) == "pending"  # A answered C with 403
    assert (await members_from(a, b), await members_from(a, c)) == (1, 0)
    assert (await signed_post(c, "cal", a))[0] == 403
    assert (await signed_post(b, "bea", a))[0] == 202

    await a.api.post(mo, "circle", "Hello, beta", title="Hi")
    await rig.settle()
    assert await deliveries_to(a, c) == 0
    assert await deliveries_to(a, b) >= 2  # the Accept and the post


# --- what A shows of a node it suspends or limits ---------------------------------------------


async def look_up(node: RigNode, member: Member, ref: str) -> Answer:
    return await node.api.call("POST", "/api/v1/groups/lookup", as_=member, json={"ref": ref})


async def directory(node: RigNode, member: Member | None) -> set[str]:
    return {group["actor"]["acct"] for group in await node.api.items(member, "/api/v1/groups")}


async def test_a_suspended_nodes_content_is_hidden_and_comes_back(rig: Rig) -> None:
    """C's member posted in A's group before A suspended C: from then on A shows nothing of
    C (the thread list, the replies, the post itself, C's groups in the directory); lifting
    the suspension shows it all again."""
    a, c = await rig.add_node("alpha"), await rig.add_node("gamma")
    mo, cal = await a.member("mo"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    await c.api.create_group(cal, "cove")
    circle, cove = f"circle@{a.domain}", f"cove@{c.domain}"
    await c.api.join(cal, circle)
    await rig.settle()
    news = await a.api.post(mo, "circle", "For everyone", title="News")
    await c.api.post(cal, circle, "Hello from gamma", title="From gamma")
    await rig.settle()
    await c.api.reply(cal, await on_node(c, cal, circle, "News"), "Glad to be here")
    await rig.settle()
    (await look_up(a, mo, f"!{cove}")).expect(200)  # A now knows C's group
    from_gamma = await on_node(a, None, circle, "From gamma")
    threads = f"/api/v1/groups/{circle}/posts"
    replies = f"/api/v1/posts/{news['id']}/replies"
    assert len(await a.api.items(None, threads)) == 2
    assert len(await a.api.items(mo, replies)) == 1
    assert cove in await directory(a, mo)

    await change_policy(a, lambda s: storage.set_rule(s, c.domain, "suspend", now=a.clock()))
    for viewer in (None, mo):
        assert [t["title"] for t in await a.api.items(viewer, threads)] == ["News"]
        assert await a.api.items(viewer, replies) == []
        (await a.api.call("GET", f"/api/v1/posts/{from_gamma}", as_=viewer)).expect(404)
        assert cove not in await directory(a, viewer)
    (await a.api.call("GET", f"/api/v1/groups/{cove}", as_=mo)).expect(404)
    (await look_up(a, mo, f"!{cove}")).expect(404)

    await change_policy(a, lambda s: storage.remove_rule(s, c.domain))
    assert len(await a.api.items(None, threads)) == 2
    assert len(await a.api.items(mo, replies)) == 1
    (await a.api.call("GET", f"/api/v1/posts/{from_gamma}")).expect(200)
    assert cove in await directory(a, mo)


async def on_node(node: RigNode, viewer: Member | None, group: str, title: str) -> str:
    """The id, on ``node``, of the thread called ``title`` in ``group``."""
    items = await node.api.items(viewer, f"/api/v1/groups/{group}/posts")
    return next(str(item["id"]) for item in items if item["title"] == title)


async def test_a_limited_nodes_posts_are_for_members_and_its_groups_out_of_the_directory(
    rig: Rig,
) -> None:
    a, c = await rig.add_node("alpha"), await rig.add_node("gamma")
    mo, ann, val = [await a.member(name) for name in ("mo", "ann", "val")]
    cal = await c.member("cal")
    await a.api.create_group(mo, "circle")
    await c.api.create_group(cal, "cove")
    circle, cove = f"circle@{a.domain}", f"cove@{c.domain}"
    await a.api.join(ann, "circle")
    await c.api.join(cal, circle)
    await rig.settle()
    await c.api.post(cal, circle, "Hello from gamma", title="From gamma")
    await rig.settle()
    (await look_up(a, mo, f"!{cove}")).expect(200)
    from_gamma = await on_node(a, None, circle, "From gamma")

    await change_policy(a, lambda s: storage.set_rule(s, c.domain, "limit", now=a.clock()))
    threads = f"/api/v1/groups/{circle}/posts"
    for member in (mo, ann):  # approved members of the group the post is in
        assert [t["title"] for t in await a.api.items(member, threads)] == ["From gamma"]
        (await a.api.call("GET", f"/api/v1/posts/{from_gamma}", as_=member)).expect(200)
    for outsider in (None, val):  # anonymous visitors, and non-members of a public group
        assert await a.api.items(outsider, threads) == []
        (await a.api.call("GET", f"/api/v1/posts/{from_gamma}", as_=outsider)).expect(404)
    assert cove not in await directory(a, val)
    assert (await look_up(a, val, f"!{cove}")).expect(200)["actor"]["acct"] == cove
    assert await members_from(a, c) == 1  # limiting cuts no tie


async def test_a_suspended_account_says_so_and_sends_nothing_more(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    ann, sam, bea = await a.member("ann"), await a.member("sam"), await b.member("bea")
    async with database_of(a) as session:
        await session.execute(
            update(Account)
            .where(Account.actor_id.in_(select(Actor.id).where(Actor.handle_key == "sam")))
            .values(role=NodeRole.MODERATOR)
        )
    await b.api.create_group(bea, "bay")
    bay = f"bay@{b.domain}"
    await a.api.join(ann, bay)
    await rig.settle()
    await a.api.post(ann, bay, "Before", title="Before")
    await rig.settle()
    await a.api.post(ann, bay, "Queued", title="Queued")
    assert a.server is not None
    await a.server.app[WORKERS].dispatch_and_process()  # queued for B, not yet sent
    await a.api.post(ann, bay, "Pending", title="Pending")  # not even dispatched

    suspended = await a.api.call(
        "POST", "/api/v1/admin/accounts/ann/suspend", as_=sam, json={"reason": "spam"}
    )
    suspended.expect(200)
    await rig.settle()
    titles = [t["title"] for t in await b.api.items(bea, f"/api/v1/groups/{bay}/posts")]
    assert titles == ["Before"]  # nothing left A for her after the suspension

    assert b.server is not None
    ann_uri = f"{a.settings.base_url}/members/ann"
    actor = await b.server.app[FEDERATION].fetch(ann_uri)
    assert actor["suspended"] is True
    assert actor["name"] == "ann"
    assert any(
        isinstance(term, dict) and term.get("suspended") == "toot:suspended"
        for term in actor["@context"]
    )
    webfinger = await a.api.call(
        "GET", "/.well-known/webfinger", params={"resource": f"acct:ann@{a.domain}"}
    )
    assert webfinger.expect(200)["links"][0]["href"] == ann_uri

    (await a.api.call("DELETE", "/api/v1/admin/accounts/ann/suspend", as_=sam)).expect(204)
    assert "suspended" not in await b.server.app[FEDERATION].fetch(ann_uri)
