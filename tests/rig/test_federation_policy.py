"""Federation policy across real nodes: a suspended node gets 403 and nothing else; an
allowlist federates with the nodes it lists only."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation import signatures
from federation.http import FetchError
from federation.outbox import drop_refused_deliveries
from federation.tables import Delivery, InboxItem
from node import federation_rules
from node.storage.models import Actor, Membership, Post
from tests.rig.rig import Rig, RigNode, count, database_of, keys_of
from web.keys import FEDERATION

Change = Callable[[AsyncSession], Awaitable[Any]]


async def change_policy(node: RigNode, *changes: Change) -> None:
    """What ``kinfolk policy …`` does on ``node``; its running processes notice at once."""
    async with database_of(node) as session:
        for change in changes:
            await change(session)
        await federation_rules.cut_refused_ties(session)
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
        "object": {"id": f"{author}/notes/1", "type": "Note", "attributedTo": author,
                   "content": "hello"},
    }  # fmt: skip
    keys = await keys_of(sender, handle)
    body = json.dumps(activity).encode()
    headers = signatures.sign_request(
        "POST", f"{target.settings.base_url}/inbox",
        {"Content-Type": "application/activity+json"}, body, key_id=keys.rsa_key_id,
        private_key=keys.rsa, now=target.clock(),
    )  # fmt: skip
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
        lambda s: federation_rules.set_rule(
            s, c.domain, "suspend", reason="harassment", now=a.clock()
        ),
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
        lambda s: federation_rules.set_rule(s, b.domain, "allow", now=a.clock()),
        lambda s: federation_rules.set_mode(s, "allowlist", now=a.clock()),
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
