"""Blocks across nodes: a member's block of someone on another Kinfolk node, and of a
Mastodon user, reaches their servers as a signed ``Block``; the blocked person's reply
to the blocker's post is refused on the blocker's node (and, once the Block has
arrived, on the blocked person's own node too); a node the member blocked cannot
follow or ask them; and the refused words are found nowhere."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from federation.tables import InboxItem, QueueState
from node.boundaries.checks import REPLY_REFUSED, blocks, may_ask
from node.follows import FOLLOW_REFUSED
from node.kinds import ContactPolicy
from node.storage.models.actors import Account, Actor, Follow
from node.storage.models.posts import Post
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.shaped_peers import MastodonPeer, shared_inbox

BOS_REPLY = "Bo answers though Ana said no"
FELIX_REPLY = "Felix answers though Ana said no"


async def _actor_id(node: RigNode, uri: str) -> int:
    async with database_of(node) as session:
        actor_id = await session.scalar(select(Actor.id).where(Actor.uri == uri))
    assert actor_id is not None, f"{node.name} holds no {uri}"
    return actor_id


async def _items(node: RigNode, kind: str) -> list[tuple[dict[str, Any], QueueState, str | None]]:
    async with database_of(node) as session:
        rows = (await session.scalars(select(InboxItem).order_by(InboxItem.id))).all()
    found = [(json.loads(row.payload), row.state, row.last_error) for row in rows]
    return [entry for entry in found if entry[0].get("type") == kind]


async def _texts(node: RigNode) -> str:
    async with database_of(node) as session:
        return " ".join(await session.scalars(select(Post.content_html)))


async def test_a_block_reaches_the_blocked_persons_server_and_their_replies_are_refused(
    rig: Rig, mastodon: MastodonPeer
) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, ana, bo, cal = (
        await a.member("mo"),
        await a.member("ana"),
        await b.member("bo"),
        await c.member("cal"),
    )
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await a.api.join(ana, "circle")
    for node, member in ((b, bo), (c, cal)):
        await node.api.join(member, circle)
    group = await mastodon.resolve(circle)
    felix = mastodon.person("felix")
    assert await mastodon.deliver(felix, group["inbox"], mastodon.follow(felix, group["id"])) == 202
    await rig.settle()
    anas = await a.api.post(ana, "circle", "A hard week", title="Ana")
    await rig.settle()
    ana_uri = f"{a.settings.base_url}/members/ana"

    # Ana blocks Bo (beta) and Felix (Mastodon); Bo replies before beta hears of it.
    for acct in (f"bo@{b.domain}", f"felix@{mastodon.domain}"):
        blocked = await a.api.call("POST", "/api/v1/blocks", as_=ana, json={"acct": acct})
        blocked.expect(201)
    async with database_of(b) as session:
        on_b = await session.scalar(select(Post.public_id).where(Post.uri == anas["uri"]))
    assert on_b is not None
    await b.api.reply(bo, on_b, BOS_REPLY)
    await rig.settle()

    # Beta received Ana's Block, and keeps it: Bo may not ask Ana, nor Ana Bo.
    [(block, state, _)] = await _items(b, "Block")
    assert (block["actor"], state) == (ana_uri, QueueState.DONE)
    assert "target" not in block
    ana_on_b, bo_on_b = await _actor_id(b, ana_uri), await _actor_id(b, block["object"])
    async with database_of(b) as session:
        assert await blocks(session, ana_on_b, bo_on_b)
    # Mastodon received a signed Block of Felix.
    [masto_block] = mastodon.received_of("Block")
    assert masto_block.verified, masto_block.problem
    assert (masto_block.activity["actor"], masto_block.activity["object"]) == (ana_uri, felix.uri)

    # Alpha refused Bo's reply at processing, saying why.
    refused = [
        (state, error)
        for activity, state, error in await _items(a, "Create") + await _items(a, "Announce")
        if BOS_REPLY in json.dumps(activity)
    ]
    assert refused == [(QueueState.FAILED, REPLY_REFUSED)]
    assert BOS_REPLY not in await _texts(a)
    # ... and Felix's, sent after.
    reply = mastodon.mention(felix, group, FELIX_REPLY, in_reply_to=anas["uri"])
    assert await mastodon.deliver(felix, shared_inbox(group), reply) == 202
    await rig.settle()
    assert FELIX_REPLY not in await _texts(a)
    assert FELIX_REPLY not in await _texts(c)
    # Now that beta knows, Bo is told at once, on his own node.
    again = await b.api.call(
        "POST", f"/api/v1/posts/{on_b}/replies", as_=bo, json={"body": "Once more"}
    )
    assert again.expect(403)["detail"] == REPLY_REFUSED

    # Other people's replies still reach Ana.
    mos = await a.api.reply(mo, anas["id"], "We are here with you")
    await rig.settle()
    assert mos["id"] in {
        p["id"] for p in await a.api.items(ana, f"/api/v1/posts/{anas['id']}/replies")
    }

    secrets = [BOS_REPLY, FELIX_REPLY]
    seeds = [anas["uri"], f"/posts/{anas['id']}"]
    handles = [circle, f"ana@{a.domain}", f"bo@{b.domain}", f"cal@{c.domain}"]
    for node, visitors in (
        (a, [ANONYMOUS, member_of(mo), node_signing(c)]),
        (c, [ANONYMOUS, member_of(cal), node_signing(a)]),
        (b, [ANONYMOUS, node_signing(c)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == [], (node.name, visitor.label)


async def test_a_node_a_member_blocked_cannot_follow_or_ask_them(rig: Rig) -> None:
    a, c = await rig.add_node("alpha"), await rig.add_node("gamma")
    ana, cal = await a.member("ana"), await c.member("cal")
    async with database_of(a) as session:
        await session.execute(update(Account).values(contact_policy=ContactPolicy.ANYONE))
    added = await a.api.call("POST", "/api/v1/node_blocks", as_=ana, json={"domain": c.domain})
    added.expect(201)
    follow = await c.api.call("POST", f"/api/v1/members/ana@{a.domain}/follow", as_=cal)
    follow.expect(200)
    await rig.settle()

    [(_, state, error)] = await _items(a, "Follow")
    assert (state, error) == (QueueState.FAILED, FOLLOW_REFUSED)
    ana_id = await _actor_id(a, f"{a.settings.base_url}/members/ana")
    cal_id = await _actor_id(a, f"{c.settings.base_url}/members/cal")
    async with database_of(a) as session:
        assert await session.scalar(select(Follow.id).where(Follow.followee_id == ana_id)) is None
        assert not await may_ask(session, ana_id, cal_id)
    # Nobody on gamma is told: the node block sends nothing.
    assert await _items(c, "Block") == []

    (await a.api.call("DELETE", f"/api/v1/node_blocks/{c.domain}", as_=ana)).expect(204)
    async with database_of(a) as session:
        assert await may_ask(session, ana_id, cal_id)
