"""Private check-ins reach nobody, and a shared one reaches its group everywhere: with the
group on beta, its member Ana on alpha and Cal on gamma, a crawl of the three nodes as an
anonymous visitor, another member of the crawled node and a node signing its fetches
finds Ana's private check-in nowhere (pages, API, ActivityPub documents, collections,
WebFinger, NodeInfo), and nothing about it was ever sent; the check-in she shares with
the group is a post there on every node, with its scale."""

from __future__ import annotations

from typing import Any

from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode
from tests.rig.test_conversations import sent

API = "/api/v1/checkins"
PRIVATE_WORDS = ["heron-quiet", "lantern-sore"]
PRIVATE_NOTE = "Nobody knows about the Kessler letters yet"
SHARED_WORDS = ["marigold-steady"]


async def group_threads(node: RigNode, member: Member, group: str) -> list[Any]:
    path = f"/api/v1/groups/{group}/posts"
    return list((await node.api.call("GET", path, as_=member)).expect(200)["items"])


async def test_private_check_ins_reach_nobody_and_a_shared_one_reaches_its_group(
    rig: Rig,
) -> None:
    a, b, c = await rig.add_node("alpha"), await rig.add_node("beta"), await rig.add_node("gamma")
    ana, al = await a.member("ana"), await a.member("al")
    bea, ben = await b.member("bea"), await b.member("ben")
    cal, cy = await c.member("cal"), await c.member("cy")
    circle = f"circle@{b.domain}"
    await b.api.create_group(bea, "circle")
    await a.api.join(ana, circle)
    await c.api.join(cal, circle)
    await rig.settle()
    assert await a.api.membership(ana, circle) == "approved"
    assert await c.api.membership(cal, circle) == "approved"

    body = {"scale": 1, "words": PRIVATE_WORDS, "note": PRIVATE_NOTE}
    private = (await a.api.call("POST", API, as_=ana, json=body)).expect(201)
    to_share = {"scale": 2, "words": SHARED_WORDS}
    shared = (await a.api.call("POST", API, as_=ana, json=to_share)).expect(201)
    share = {"group": circle}
    post = (await a.api.call("POST", f"{API}/{shared['id']}/share", as_=ana, json=share)).expect(
        201
    )
    await rig.settle()

    # Nothing about the private one was ever sent anywhere.
    secrets = [*PRIVATE_WORDS, PRIVATE_NOTE, "Kessler", private["id"]]
    for node in (a, b, c):
        for activity, _ in await sent(node):
            text = str(activity)
            assert not [secret for secret in secrets if secret in text], activity["type"]

    # The shared one is a post in the group on every node, with its scale.
    for node, member in ((a, ana), (b, bea), (c, cal)):
        group = "circle" if node is b else circle
        threads = await group_threads(node, member, group)
        posted = [t for t in threads if SHARED_WORDS[0] in t["content_html"]]
        assert [t["check_in_scale"] for t in posted] == [2], node.name
        assert "Check-in: low" in posted[0]["content_html"]

    seeds = [f"{API}/{private['id']}", API, "/checkins", f"/posts/{post['id']}"]
    handles = [f"ana@{a.domain}", f"bea@{b.domain}", f"cal@{c.domain}", circle]
    for node, visitors in (
        (a, [ANONYMOUS, member_of(al), node_signing(b), node_signing(c)]),
        (b, [ANONYMOUS, member_of(ben), node_signing(a), node_signing(c)]),
        (c, [ANONYMOUS, member_of(cy), node_signing(a), node_signing(b)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == []
    # The same crawl finds them with Ana herself: the crawl does look where they are.
    hers = await crawl(a, member_of(ana), seeds=seeds, handles=handles)
    assert hers.leaks([PRIVATE_NOTE]) != []
