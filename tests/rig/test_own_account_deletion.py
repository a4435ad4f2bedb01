"""A member of alpha deletes their account there: the posts they wrote in a group on alpha,
a group on beta and a group on gamma are wiped on every node (tombstones keep the others'
replies), a Mastodon follower receives the signed ``Delete`` of the actor and verifies it
with the key it holds, the name is never registered again, and a crawl of the three nodes
finds their words nowhere."""

from __future__ import annotations

import json
from typing import Any

from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode
from tests.rig.shaped_peers import MastodonPeer
from tests.rig.test_conversations import received

HERE = "Ana's note about the night shift at the bakery"
THERE = "Ana's story of the blue kettle, told on beta"
REPLY = "Ana's answer about her sister Marguerite, on gamma"
ANON = "Written without a name: the winter I stopped eating"
SECRETS = [HERE, THERE, REPLY, ANON, "blue kettle", "Marguerite", "bakery", "stopped eating"]
AS2 = {"Accept": "application/activity+json"}


async def everything(node: RigNode, member: Member, group: str) -> str:
    """Every thread and reply of ``group`` as ``member`` sees them in the API, as text."""
    shown: list[Any] = []
    for thread in await node.api.items(member, f"/api/v1/groups/{group}/posts"):
        shown.append(thread)
        shown.extend(await node.api.items(member, f"/api/v1/posts/{thread['id']}/replies"))
    return json.dumps(shown)


async def test_a_member_who_leaves_is_wiped_on_every_node(rig: Rig, mastodon: MastodonPeer) -> None:
    a, b, c = await rig.add_node("alpha"), await rig.add_node("beta"), await rig.add_node("gamma")
    ana, mo = await a.member("ana"), await a.member("mo")
    bo, cy = await b.member("bo"), await c.member("cy")
    here, there, third = f"here@{a.domain}", f"there@{b.domain}", f"third@{c.domain}"
    await a.api.create_group(mo, "here")
    await b.api.create_group(bo, "there")
    allow = {"allow_anonymous_posts": True}
    (await b.api.call("PATCH", "/api/v1/groups/there/settings", as_=bo, json=allow)).expect(200)
    await c.api.create_group(cy, "third")
    await a.api.join(ana, "here")
    for node, member, group in ((b, bo, here), (c, cy, here), (a, ana, there), (a, ana, third)):
        await node.api.join(member, group)
    await rig.settle()
    cys = await c.api.post(cy, "third", "How was everyone's week?")
    await rig.settle()
    await a.api.post(ana, "here", HERE)
    await a.api.post(ana, there, THERE)
    anonymous = await a.api.post(ana, there, ANON, anonymous=True)
    await rig.settle()
    [seen_on_a] = [t for t in await a.api.items(ana, f"/api/v1/groups/{third}/posts")]
    await a.api.reply(ana, seen_on_a["id"], REPLY)
    # A Mastodon user follows her; her Accept teaches their server her key.
    felix = mastodon.person("felix")
    ana_actor = await mastodon.resolve(f"ana@{a.domain}")
    assert (
        await mastodon.deliver(felix, ana_actor["inbox"], mastodon.follow(felix, ana_actor["id"]))
        == 202
    )
    await rig.settle()
    assert any(r.activity.get("type") == "Accept" and r.verified for r in mastodon.received)
    # She and bo talk one-on-one.
    asked = await a.api.call(
        "POST", "/api/v1/conversations", as_=ana, json={"to": f"bo@{b.domain}", "text": "Hi bo"}
    )
    asked.expect(201)
    await rig.settle()
    [request] = await b.api.items(bo, "/api/v1/conversations/requests")
    talk = f"/api/v1/conversations/{request['id']}"
    (await b.api.call("POST", f"{talk}/accept", as_=bo)).expect(200)
    await rig.settle()
    assert HERE in await everything(b, bo, here)
    assert HERE in await everything(c, cy, here)
    assert THERE in await everything(b, bo, "there")
    assert ANON in await everything(b, bo, "there")
    assert REPLY in await everything(c, cy, "third")

    gone = await a.api.call(
        "POST", "/api/v1/accounts/me/deletion", as_=ana, json={"password": "correct horse battery"}
    )
    gone.expect(202)
    await rig.settle()

    # Every node wiped her words; the others' thread keeps its place.
    for node, member, group in (
        (a, mo, "here"),
        (b, bo, here),
        (c, cy, here),
        (b, bo, "there"),
        (c, cy, "third"),
    ):
        shown = await everything(node, member, group)
        assert not [s for s in SECRETS if s in shown], (node.name, group)
    assert "How was everyone's week?" in await everything(c, cy, "third")
    # Bo sees their conversation has ended.
    assert (await b.api.call("GET", talk, as_=bo)).expect(200)["state"] == "ended"
    # Beta deleted the anonymous post on this node's word alone: nothing it received names
    # both her actor and that post.
    for activity, _, _ in await received(b):
        text = json.dumps(activity)
        assert not (ana_actor["id"] in text and anonymous["uri"] in text), activity
    assert cys["id"]
    # Her Mastodon follower got the Delete of her actor, verified with the key it held.
    [delete] = [r for r in mastodon.received if r.activity.get("type") == "Delete"]
    assert delete.verified, delete.problem
    assert delete.activity["actor"] == delete.activity["object"] == ana_actor["id"]
    # Her actor is gone, and her name stays hers.
    assert a.client is not None
    async with a.client.get("/members/ana", headers=AS2) as actor:
        assert actor.status == 410
        assert (await actor.json())["type"] == "Tombstone"
    again = await a.api.call(
        "POST", "/api/v1/accounts", json={"username": "Ana", "password": "a new password"}
    )
    assert again.expect(409)["code"] == "conflict"

    # Her words are on no page, API answer or ActivityPub document of the three nodes.
    handles = [f"ana@{a.domain}", here, there, third]
    seeds = [ana_actor["id"], "/members/ana"]
    for node, member, others in ((a, mo, (b, c)), (b, bo, (a, c)), (c, cy, (a, b))):
        for visitor in (ANONYMOUS, member_of(member), *(node_signing(o) for o in others)):
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(SECRETS) == [], (node.name, visitor.label)
