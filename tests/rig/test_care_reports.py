"""Care reports across nodes: "I'm worried about this person" reaches the member on their
own Kinfolk node as a kind message, never naming who was worried nor saying what they
wrote; software that would read it as an accusation is never sent one."""

from __future__ import annotations

import json

import aiohttp
from sqlalchemy import select

from federation.tables import InboxItem
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.shaped_peers import LemmyPeer, join_lemmy_community
from tests.rig.test_reports import _public_id, _staff, _three_nodes
from web.pages.session import SESSION_COOKIE

CARE = "/api/v1/care-reports"
MESSAGES = "/api/v1/care-messages"
REPORTS = "/api/v1/reports"
WORRY = "She wrote that she sounds so alone tonight"


async def _flags(node: RigNode) -> list[dict[str, object]]:
    async with database_of(node) as session:
        items = (await session.scalars(select(InboxItem))).all()
    return [
        activity
        for activity in (json.loads(item.payload) for item in items)
        if activity.get("type") == "Flag"
    ]


async def test_a_care_report_reaches_the_member_on_their_node_and_nobody_learns_who(
    rig: Rig,
) -> None:
    a, b, c, circle, post = await _three_nodes(rig)
    mo, cal = a.members["mo"], c.members["cal"]
    # Wren joined nothing: whatever names them anywhere but on beta came from the report.
    wren = await b.member("wren")
    on_b = await _public_id(b, post["uri"])
    filed = await b.api.call("POST", CARE, as_=wren, json={"post_id": on_b, "reason": WORRY})
    answer = filed.expect(201)
    assert answer["reach"] == "their_node"
    assert "another Kinfolk node" in answer["said"]
    await rig.settle()

    # Gamma: cal has a kind message about the circle, naming nobody and quoting nothing.
    [message] = await c.api.items(cal, MESSAGES)
    assert message["group"]["acct"] == circle
    assert message["read_at"] is None
    # Gamma's staff see a care report from beta (the node, not wren), without words.
    cy = await _staff(c, "cy")
    [seen] = await c.api.items(cy, REPORTS + "?kind=care")
    assert (seen["kind"], seen["local"], seen["reason"]) == ("care", False, "")
    assert seen["reporter"]["id"] == f"{b.settings.base_url}/actor"
    # The care Flag went to gamma alone: the group's node was not told.
    [flag] = await _flags(c)
    assert flag["care"] is True
    assert "content" not in flag
    assert "summary" not in flag
    assert await _flags(a) == []
    # Beta's staff alone know who it was.
    bob = await _staff(b, "bob")
    [own] = await b.api.items(bob, REPORTS + "?kind=care")
    assert own["reporter"]["handle"] == "wren"
    assert own["forwarded_at"] is not None

    secrets = ["wren", WORRY]
    seeds = [post["uri"], f"/posts/{await _public_id(a, post['uri'])}"]
    handles = [circle, f"cal@{c.domain}", f"mo@{a.domain}"]
    for node, visitors in (
        (a, [ANONYMOUS, member_of(mo), node_signing(c)]),
        (c, [ANONYMOUS, member_of(cal), member_of(cy), node_signing(a)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == []
    # The crawl did reach the message and the report: they are there, without the secrets.
    on_c = await crawl(c, member_of(cal), seeds=seeds, handles=handles)
    assert any("/care-messages" in where for where in on_c.answers)


async def test_a_care_report_is_not_sent_to_lemmy_and_the_member_is_told(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    b = await rig.add_node("beta")
    bea = await b.member("bea")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, b, bea, community)
    page = lemmy.page(community, picard, "Tired", "I can't do this much longer")
    announce = lemmy.announce(community, lemmy.create(community, picard, page))
    assert await lemmy.deliver(community, f"{b.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    [on_b] = await b.api.items(bea, f"/api/v1/groups/{handle}/posts")

    # The form says so before anything is sent.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        form = f"{b.settings.base_url}/posts/{on_b['id']}/care"
        cookie = {"Cookie": f"{SESSION_COOKIE}={bea.token}"}
        async with http.get(form, headers=cookie) as response:
            assert response.status == 200
            assert "does not read care reports" in await response.text()
    filed = await b.api.call("POST", CARE, as_=bea, json={"post_id": on_b["id"]})
    answer = filed.expect(201)
    assert answer["reach"] == "not_sent"
    assert "does not read care reports" in answer["said"]
    await rig.settle()
    assert lemmy.received_of("Flag") == []
    # A rule report about the same post does go to the community (Lemmy moderates it there):
    # only the care report is held back.
    rule = await b.api.call("POST", REPORTS, as_=bea, json={"post_id": on_b["id"], "reason": "x"})
    rule.expect(201)
    await rig.settle()
    [sent] = lemmy.received_of("Flag")
    assert "care" not in sent.activity
