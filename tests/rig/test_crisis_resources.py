"""Crisis resources travel with a group: set on its node, sent by ``Update(Group)`` to the
nodes of its members, shown there on the group's page and in the API; readable in the
group's ``summary`` for Lemmy-shaped software; a private group's only where it is read."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from federation.tables import OutgoingActivity
from tests.jsonld import expand_all, undefined_terms
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, rows_of
from tests.rig.shaped_peers import LemmyPeer
from tests.rig.test_compose_pages import Browser

GRIEF = {
    "name": "Grief line",
    "kind": "phone",
    "value": "0800 123 456",
    "country": "GB",
    "languages": ["en", "de"],
    "hours": "evenings",
    "translations": [{"language": "de", "name": "Trauertelefon", "hours": "abends"}],
}
CHAT = {"name": "Befrienders chat", "kind": "chat", "value": "https://befrienders.example/c"}
SECRET = "Hidden circle helpline"


def _names(items: list[Any]) -> list[str]:
    return [item["name"] for item in items]


async def test_a_group_s_resources_reach_the_nodes_of_its_members(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle", display_name="Grief Circle")
    circle = f"circle@{a.domain}"
    (await b.api.call("POST", f"/api/v1/groups/{circle}/join", as_=bea)).expect(200)
    await rig.settle()
    assert await b.api.membership(bea, circle) == "approved"

    saved = await a.api.call(
        "PUT",
        "/api/v1/groups/circle/crisis-resources",
        as_=mo,
        json={"resources": [GRIEF, CHAT]},
    )
    saved.expect(200)
    await rig.settle()  # the Update(Group) goes to beta

    listed = await b.api.call("GET", f"/api/v1/groups/{circle}/crisis-resources", as_=bea)
    items = listed.expect(200)["items"]
    assert _names(items) == ["Grief line", "Befrienders chat"]
    assert items[0]["translations"] == [
        {"language": "de", "name": "Trauertelefon", "hours": "abends", "note": ""}
    ]
    assert items[0]["country"] == "GB"
    shown = await b.api.call("GET", "/api/v1/crisis-resources", as_=bea, params={"group": circle})
    assert [(r["name"], r["from_group"]) for r in shown.expect(200)["items"]] == [
        ("Grief line", True),
        ("Befrienders chat", True),
    ]
    status, html = await Browser(b, bea).get(f"/groups/{circle}")
    assert status == 200
    section = html[html.index('id="crisis"') :]
    assert '<a href="tel:0800123456">0800 123 456</a>' in section
    assert "Befrienders chat" in section
    # The description on beta is the group's own, without the list added for others.
    assert html.count("0800 123 456") == 1

    # Lemmy, Mbin and PieFed read the description: it ends with a readable list.
    group = await lemmy.fetch(f"http://{a.domain}/groups/circle")
    assert group["summary"].endswith(
        '<p>If you need help now:</p><ul><li>Grief line: <a href="tel:0800123456">'
        "0800 123 456</a> (evenings)</li><li>Befrienders chat: <a href="
        '"https://befrienders.example/c">https://befrienders.example/c</a></li></ul>'
    )
    assert [r["name"] for r in group["crisisResources"]] == ["Grief line", "Befrienders chat"]
    # A JSON-LD processor (Fedify) finds every term defined, the list in its order; the
    # Update sent to beta too.
    (expanded,) = expand_all(group)
    assert undefined_terms(expanded) == set()
    crisis_list = expanded["https://w3id.org/kinfolk/ns#crisisResources"][0]["@list"]
    assert [r["https://www.w3.org/ns/activitystreams#name"][0]["@value"] for r in crisis_list][
        :2
    ] == ["Grief line", "Befrienders chat"]
    payloads = [json.loads(p) for (p,) in await rows_of(a, select(OutgoingActivity.payload))]
    [update] = [p for p in payloads if p["type"] == "Update"]
    assert update["actor"] == update["object"]["id"] == group["id"]
    assert update["to"] == [group["id"], "https://www.w3.org/ns/activitystreams#Public"]
    assert undefined_terms(expand_all(update)) == set()

    # Emptied: beta drops them with the next Update.
    (
        await a.api.call(
            "PUT", "/api/v1/groups/circle/crisis-resources", as_=mo, json={"resources": []}
        )
    ).expect(200)
    await rig.settle()
    listed = await b.api.call("GET", f"/api/v1/groups/{circle}/crisis-resources", as_=bea)
    assert listed.expect(200)["items"] == []


async def test_a_private_group_s_resources_stay_with_the_nodes_that_read_it(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "hidden", visibility="private")
    hidden = f"hidden@{a.domain}"
    (await b.api.call("POST", f"/api/v1/groups/{hidden}/join", as_=bea)).expect(200)
    await rig.settle()
    line = {"name": SECRET, "kind": "phone", "value": "0800 999 999"}
    (
        await a.api.call(
            "PUT", "/api/v1/groups/hidden/crisis-resources", as_=mo, json={"resources": [line]}
        )
    ).expect(200)
    await rig.settle()
    listed = await b.api.call("GET", f"/api/v1/groups/{hidden}/crisis-resources", as_=bea)
    assert _names(listed.expect(200)["items"]) == [SECRET]

    seeds = ["/groups/hidden", f"/api/v1/groups/{hidden}/crisis-resources"]
    found = []
    for node, visitors in (
        (a, [ANONYMOUS, node_signing(c)]),
        (b, [ANONYMOUS, node_signing(c)]),
        (c, [ANONYMOUS, member_of(cal)]),
    ):
        for visitor in visitors:
            result = await crawl(node, visitor, seeds=seeds, handles=[hidden])
            found += result.leaks([SECRET])
    assert found == []
    # The member's node sees it on the group's page.
    _, html = await Browser(b, bea).get(f"/groups/{hidden}")
    assert SECRET in html


async def test_a_crisis_like_draft_on_another_node_is_offered_the_group_s_lines_and_goes_through(
    rig: Rig,
) -> None:
    """Beta's member writes in alpha's group: beta offers alpha's group's resources (as it
    holds them) and beta's own, and the post reaches alpha as written."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    (await b.api.call("POST", f"/api/v1/groups/{circle}/join", as_=bea)).expect(200)
    await rig.settle()
    (
        await a.api.call(
            "PUT", "/api/v1/groups/circle/crisis-resources", as_=mo, json={"resources": [GRIEF]}
        )
    ).expect(200)
    await rig.settle()
    browser = Browser(b, bea)
    draft = {"title": "Tonight", "body": "I want to die, and nobody knows.", "language": "en"}
    status, _, html = await browser.submit(f"/groups/{circle}/compose", draft)
    assert status == 200
    prompt = html[html.index('class="crisis crisis-prompt"') :]
    assert '<a href="tel:0800123456">0800 123 456</a>' in prompt
    assert "I want to die, and nobody knows." in html
    status, _, _ = await browser.submit(f"/groups/{circle}/compose", {**draft, "crisis": "post"})
    assert status == 303
    await rig.settle()
    [thread] = (await a.api.call("GET", "/api/v1/groups/circle/posts", as_=mo)).expect(200)["items"]
    assert thread["content_html"] == "<p>I want to die, and nobody knows.</p>"
