"""Notifications never carry a private group's words beyond its members: a post in a
private group that names members outside it, and a reply to it, tell only the members
who may read them. A crawl of the group's node and of a member's node, as an anonymous
visitor, as each member named from outside the group and as a third node signing,
finds the thread's title and words nowhere, notification pages and API included; the
member answered finds the title among her notifications."""

from __future__ import annotations

from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode

TITLE = "What the winter did to us"
WORDS = "The night the power went out I finally called my sister"
ANSWER = "Thank you for telling us about your sister"
SEEDS = ["/notifications", "/api/v1/notifications", "/api/v1/notifications/unread"]


async def _kinds(node: RigNode, member: Member) -> list[str]:
    listed = await node.api.call("GET", "/api/v1/notifications", as_=member)
    return [entry["kind"] for entry in listed.expect(200)["items"]]


async def test_a_private_groups_notifications_reach_its_members_alone(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, al = await a.member("mo"), await a.member("al")
    bea, bo = await b.member("bea"), await b.member("bo")
    await a.api.create_group(mo, "haven", visibility="private", join_policy="approval")
    haven = f"haven@{a.domain}"
    (await b.api.call("POST", f"/api/v1/groups/{haven}/join", as_=bea)).expect(200)
    await rig.settle()
    approve = f"/api/v1/groups/haven/members/bea@{b.domain}/approve"
    (await a.api.call("POST", approve, as_=mo)).expect(200)
    await rig.settle()
    names = f"@al @al@{a.domain} @bo@{b.domain} @mo@{a.domain}"
    thread = await b.api.post(bea, haven, f"{WORDS}. {names}", title=TITLE)
    await rig.settle()
    [on_a] = (await a.api.call("GET", "/api/v1/groups/haven/posts", as_=mo)).expect(200)["items"]
    await a.api.reply(mo, on_a["id"], f"{ANSWER}, @al and @bo@{b.domain}.")
    await rig.settle()

    # Mo (a member, named) and Bea (answered) are told; Al and Bo, outside, are not.
    assert "mention" in await _kinds(a, mo)
    assert "reply" in await _kinds(b, bea)
    assert await _kinds(a, al) == []
    assert await _kinds(b, bo) == []

    seeds = [*SEEDS, thread["uri"], f"/posts/{on_a['id']}", f"/posts/{thread['id']}"]
    handles = [haven, f"bea@{b.domain}", f"mo@{a.domain}", f"al@{a.domain}", f"bo@{b.domain}"]
    secrets = [TITLE, WORDS, ANSWER, "called my sister"]
    for node, visitors in (
        (a, [ANONYMOUS, member_of(al), node_signing(c)]),
        (b, [ANONYMOUS, member_of(bo), node_signing(c)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == []
    # Where they belong, the crawl finds them: Bea's notifications name the thread.
    hers = await crawl(b, member_of(bea), seeds=SEEDS, handles=[])
    assert hers.leaks([TITLE]) != []
