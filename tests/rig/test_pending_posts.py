"""A member's post into a group on another node stays theirs until that group shares it.

Alpha hosts a group that reads new members' posts first; Bea, on beta, is a new
member; Gus, on gamma, a member from before (gamma is a third node holding the
group). While alpha holds Bea's post, and after alpha turns it down, it is seen by
Bea alone: every node is crawled — pages, API, ActivityPub documents and
collections, WebFinger, NodeInfo — as an anonymous visitor, as a member of that
node outside the group, and as another node signing its requests. Once alpha
shares a post, it is everyone's, Bea's followers elsewhere included.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from federation.tables import Delivery, OutgoingActivity
from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, Visitor, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode, count
from tests.rig.shaped_peers import LemmyPeer, PeerActor, join_lemmy_community

HELD = "Words for the moderators first"
SHARED = "Words the group took in"


async def _leaks(
    nodes: list[tuple[RigNode, list[Visitor]]],
    secrets: list[str],
    seeds: list[str],
    handles: list[str],
) -> list[str]:
    found = []
    for node, visitors in nodes:
        for visitor in visitors:
            result = await crawl(node, visitor, seeds=seeds, handles=handles)
            found += result.leaks(secrets)
    return found


async def _sent_to(node: RigNode, other: RigNode, post_uri: str) -> int:
    """How many activities about ``post_uri`` ``node`` queued for ``other``."""
    return await count(
        node,
        select(func.count())
        .select_from(Delivery)
        .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
        .where(Delivery.host == other.domain, OutgoingActivity.object_uri == post_uri),
    )


async def _own_view(node: RigNode, member: Member, post_id: str) -> Any:
    return (await node.api.call("GET", f"/api/v1/posts/{post_id}", as_=member)).expect(200)


async def test_a_post_waits_unseen_on_its_authors_node_until_its_group_shares_it(
    rig: Rig,
) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, al = await a.member("mo"), await a.member("al")
    bea, bo = await b.member("bea"), await b.member("bo")
    gus, gia = await c.member("gus"), await c.member("gia")
    await a.api.create_group(mo, "circle", description="Peer support after loss.")
    circle = f"circle@{a.domain}"
    await c.api.join(gus, circle)
    # Gia, on gamma, follows Bea herself (as someone on Mastodon might).
    (await c.api.call("POST", f"/api/v1/members/bea@{b.domain}/follow", as_=gia)).expect(200)
    await rig.settle()
    held_setting = {"hold_new_members_posts": True}
    (await a.api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=held_setting)).expect(
        200
    )
    await b.api.join(bea, circle)
    await rig.settle()

    turned_down = await b.api.post(bea, circle, HELD, title="First time here")
    await rig.settle()

    # Bea sees her post, marked as waiting for the group; nobody else anywhere sees it.
    mine = await _own_view(b, bea, turned_down["id"])
    assert (mine["pending"], mine["declined"], mine["content_html"]) == (
        True,
        False,
        f"<p>{HELD}</p>",
    )
    [waiting] = await a.api.items(mo, "/api/v1/groups/circle/held")
    assert waiting["uri"] == turned_down["uri"]
    everywhere = [
        (a, [ANONYMOUS, member_of(al), node_signing(c)]),
        (b, [ANONYMOUS, member_of(bo), node_signing(c)]),
        (c, [ANONYMOUS, member_of(gia), member_of(gus), node_signing(b)]),
    ]
    # Where the post is, on its author's node and (relative: on every node) on alpha.
    seeds = [turned_down["uri"], f"/posts/{waiting['id']}"]
    handles = [circle, f"bea@{b.domain}"]
    assert await _leaks(everywhere, [HELD], seeds, handles) == []
    # Beta sent it to the group's inbox only: not to gamma, not to Bea's follower there.
    assert await _sent_to(b, c, turned_down["uri"]) == 0

    # The moderator turns it down: Bea is told, keeps her words, and still nobody else sees it.
    refusal = {"reason": "Please read the rules first"}
    (
        await a.api.call("POST", f"/api/v1/posts/{waiting['id']}/reject", as_=mo, json=refusal)
    ).expect(204)
    await rig.settle()
    mine = await _own_view(b, bea, turned_down["id"])
    assert (mine["pending"], mine["declined"], mine["content_html"]) == (
        True,
        True,
        f"<p>{HELD}</p>",
    )
    listed = await b.api.items(bea, f"/api/v1/groups/{circle}/posts")
    assert [(p["id"], p["declined"]) for p in listed] == [(turned_down["id"], True)]
    assert await _leaks(everywhere, [HELD], seeds, handles) == []
    assert await _sent_to(b, c, turned_down["uri"]) == 0

    # Her next post is approved: shared with every member's node, and with her follower.
    accepted = await b.api.post(bea, circle, SHARED, title="Trying again")
    await rig.settle()
    assert (await _own_view(b, bea, accepted["id"]))["pending"] is True
    [waiting] = await a.api.items(mo, "/api/v1/groups/circle/held")
    (await a.api.call("POST", f"/api/v1/posts/{waiting['id']}/approve", as_=mo)).expect(200)
    await rig.settle()
    assert (await _own_view(b, bea, accepted["id"]))["pending"] is False
    for node, visitor in ((a, ANONYMOUS), (b, ANONYMOUS), (b, member_of(bo)), (c, ANONYMOUS)):
        seen = await crawl(node, visitor, seeds=[accepted["uri"]], handles=handles)
        assert seen.leaks([SHARED]), f"{visitor.label} on {node.name} does not see it"
    assert await _sent_to(b, c, accepted["uri"]) == 1  # the Create, to Gia's node
    # An edit goes, once, to the group and to Gia's node.
    edit = {"body": SHARED + ", edited"}
    (await b.api.call("PATCH", f"/api/v1/posts/{accepted['id']}", as_=bea, json=edit)).expect(200)
    await rig.settle()
    assert await _sent_to(b, c, accepted["uri"]) == 2
    on_gamma = await c.api.items(gia, f"/api/v1/groups/{circle}/posts")
    assert [p["content_html"] for p in on_gamma] == [f"<p>{SHARED}, edited</p>"]
    assert await _leaks(everywhere, [HELD], seeds, handles) == []


async def test_a_group_elsewhere_answers_in_any_shape_it_names_the_post(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    """Guppe- and Fedify-style groups announce a post by its id, or our Create by its id;
    a refusal may name the post or our Create. Another group cannot answer for it."""
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    community, other = lemmy.community("tenforward"), lemmy.community("tenback")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)
    await join_lemmy_community(rig, lemmy, a, ana, other)
    inbox = f"{a.settings.base_url}/inbox"

    async def answer(group: PeerActor, activity: dict[str, Any]) -> None:
        assert await lemmy.deliver(group, inbox, activity) == 202
        await rig.settle()

    async def pending(post: dict[str, Any]) -> tuple[bool, bool]:
        shown = await _own_view(a, ana, post["id"])
        return shown["pending"], shown["declined"]

    def create_of(post: dict[str, Any]) -> str:
        [create] = [
            r.activity["id"]
            for r in lemmy.received_of("Create")
            if r.activity["object"]["id"] == post["uri"]
        ]
        return str(create)

    by_id, by_create = [
        await a.api.post(ana, handle, f"Post {n}", title=f"Post {n}") for n in (1, 2)
    ]
    refused, refused_create = [
        await a.api.post(ana, handle, f"Post {n}", title=f"Post {n}") for n in (3, 4)
    ]
    await rig.settle()
    # The other community's word counts for nothing about posts sent to tenforward.
    await answer(other, lemmy.announce(other, by_id["uri"]))
    await answer(other, _reject(other, refused["uri"]))
    assert [await pending(p) for p in (by_id, refused)] == [(True, False), (True, False)]

    await answer(community, lemmy.announce(community, by_id["uri"]))
    await answer(community, lemmy.announce(community, create_of(by_create)))
    await answer(community, _reject(community, refused["uri"]))
    await answer(community, _reject(community, create_of(refused_create)))
    assert [await pending(p) for p in (by_id, by_create, refused, refused_create)] == [
        (False, False),
        (False, False),
        (True, True),
        (True, True),
    ]


def _reject(group: PeerActor, named: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Reject",
        "id": f"{group.uri}/reject/{uuid.uuid4()}",
        "actor": group.uri,
        "object": named,
    }
