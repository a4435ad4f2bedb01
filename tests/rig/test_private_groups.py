"""A private group across nodes: its content goes where its approved members are, nowhere else.

Node A hosts a private group whose only other members are on node B. Everything
the group and its posts expose is crawled as node C (signing its requests) and
as an unsigned client: nothing of the group's content comes back (an unsigned
fetch of its actor gets its keys and inbox only), nothing of it is delivered
to C, and WebFinger tells only what the group shows to anyone (its name and
where to ask to join).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from federation.remote.http import FetchError
from federation.tables import Delivery, InboxItem
from node.storage.models.posts import Post
from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode, count
from web.keys import FEDERATION

AS2 = {"Accept": "application/activity+json"}
KEY_DOCUMENT = {
    "@context",
    "id",
    "type",
    "preferredUsername",
    "inbox",
    "endpoints",
    "publicKey",
    "assertionMethod",
    "discoverable",
}


async def _titles(node: RigNode, member: Member | None, group: str) -> tuple[int, list[str]]:
    answer = await node.api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
    items = answer.json.get("items", []) if answer.status == 200 else []
    return answer.status, [item["title"] or item["content_html"] for item in items]


async def _signed_fetch(node: RigNode, url: str) -> dict[str, Any] | int:
    """``url`` fetched with the node's own signed GET: the document, or the error status."""
    assert node.server is not None
    try:
        return await node.server.app[FEDERATION].fetch(url)
    except FetchError as refused:
        return refused.status or 0


async def _unsigned(node: RigNode, url: str, accept: str) -> int:
    assert node.client is not None
    async with node.client.session.get(url, headers={"Accept": accept}) as response:
        return response.status


async def _unsigned_document(node: RigNode, url: str) -> dict[str, Any]:
    assert node.client is not None
    async with node.client.session.get(url, headers=AS2) as response:
        assert response.status == 200, url
        document: dict[str, Any] = await response.json(content_type=None)
        return document


async def test_a_private_group_is_seen_only_by_its_members_nodes(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, bo = await a.member("mo"), await b.member("bea"), await b.member("bo")
    await a.api.create_group(
        mo, "haven", visibility="private", join_policy="approval", description="A safe place."
    )
    haven = f"haven@{a.domain}"
    group_uri = f"{a.settings.base_url}/groups/haven"

    # Bea on B finds the group by its handle and asks to join; the moderator says yes.
    asked = await b.api.call("POST", f"/api/v1/groups/{haven}/join", as_=bea)
    assert asked.expect(200)["state"] == "pending"
    await rig.settle()
    approved = await a.api.call(
        "POST", f"/api/v1/groups/haven/members/bea@{b.domain}/approve", as_=mo
    )
    approved.expect(200)
    await rig.settle()

    # B knows the group for private from its actor already, before any of its content arrives.
    seen_on_b = await b.api.call("GET", f"/api/v1/groups/{haven}", as_=bea)
    assert seen_on_b.expect(200)["visibility"] == "private"

    thread = await b.api.post(bea, haven, "Only for us.", title="Between us")
    await rig.settle()
    [on_a] = (await a.api.call("GET", "/api/v1/groups/haven/posts", as_=mo)).expect(200)["items"]
    reply = await a.api.reply(mo, on_a["id"], "Thank you for trusting us.")
    await rig.settle()

    # Members on both nodes read the conversation ...
    assert await _titles(a, mo, "haven") == (200, ["Between us"])
    assert await _titles(b, bea, haven) == (200, ["Between us"])
    replies = await b.api.call("GET", f"/api/v1/posts/{thread['id']}/replies", as_=bea)
    assert [r["uri"] for r in replies.expect(200)["items"]] == [reply["uri"]]
    # ... and on B it stays theirs: another member of B, or a passer-by, reads none of it,
    # and B did not pass Bea's post on to anyone as public.
    assert (await _titles(b, bo, haven))[1] == []
    assert (await _titles(b, None, haven))[1] == []
    assert thread["uri"].startswith(b.settings.base_url)

    # Every URL the group and its posts expose, as B (a member's node) learnt them.
    document = await _signed_fetch(b, group_uri)
    assert isinstance(document, dict)
    assert document["discoverable"] is False
    exposed = {
        document[key]
        for key in ("id", "outbox", "followers", "following", "featured", "moderators", "url")
        if isinstance(document.get(key), str)
    }
    posts = {thread["uri"], reply["uri"]}
    for post in posts:
        fetched = await _signed_fetch(b, post)
        assert isinstance(fetched, dict), (post, fetched)
        assert fetched["id"] == post
        assert "https://www.w3.org/ns/activitystreams#Public" not in fetched["to"] + fetched["cc"]

    # Node C, signing its requests, gets the group's "about" (how to ask to join) and no more.
    about = await _signed_fetch(c, group_uri)
    assert isinstance(about, dict)
    assert about["id"] == group_uri
    for url in sorted(exposed - {group_uri}) + sorted(posts):
        assert await _signed_fetch(c, url) == 404, url
    # An unsigned client gets nothing at all as a browser, and as a fediverse server the
    # group's keys (servers that fetch keys unsigned verify what the group signs) and no more.
    for url in sorted(exposed) + sorted(posts):
        for accept in (AS2["Accept"], "text/html"):
            if (url, accept) != (group_uri, AS2["Accept"]):
                assert await _unsigned(a, url, accept) == 404, (url, accept)
    keys_only = await _unsigned_document(a, group_uri)
    assert set(keys_only) == KEY_DOCUMENT
    assert (keys_only["id"], keys_only["discoverable"]) == (group_uri, False)
    assert keys_only["publicKey"] == about["publicKey"]
    assert "A safe place" in str(about)
    assert "A safe place" not in str(keys_only)
    assert (await a.api.call("GET", "/api/v1/groups/haven")).status == 404
    listed = (await a.api.call("GET", "/api/v1/groups")).expect(200)["items"]
    assert "haven" not in [g["name"] for g in listed]

    # WebFinger names the group and where it lives, as for any actor, and nothing else.
    finger = await a.api.call("GET", f"/.well-known/webfinger?resource=acct:{haven}")
    shown = finger.expect(200)
    assert set(shown) == {"subject", "aliases", "links"}
    assert {link["href"] for link in shown["links"]} == {group_uri}

    # Nothing of it was ever sent to C, and C holds nothing of it.
    deliveries = select(func.count()).select_from(Delivery).where(Delivery.host == c.domain)
    assert await count(a, deliveries) == 0
    assert await count(b, deliveries) == 0
    assert await count(c, select(func.count()).select_from(InboxItem)) == 0
    assert await count(c, select(func.count()).select_from(Post)) == 0


async def test_a_private_conversation_is_found_by_no_crawl_of_any_node(rig: Rig) -> None:
    """Every node crawled — the group's, the author's and a third — as an anonymous
    visitor, a member of that node outside the group, and another node signing: no word
    of the group's conversation, while its members read it on both member nodes."""
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, al = await a.member("mo"), await a.member("al")
    bea, bo, cy = await b.member("bea"), await b.member("bo"), await c.member("cy")
    await a.api.create_group(
        mo, "haven", visibility="private", join_policy="approval", description="A safe place."
    )
    haven = f"haven@{a.domain}"
    (await b.api.call("POST", f"/api/v1/groups/{haven}/join", as_=bea)).expect(200)
    await rig.settle()
    (
        await a.api.call("POST", f"/api/v1/groups/haven/members/bea@{b.domain}/approve", as_=mo)
    ).expect(200)
    await rig.settle()
    thread = await b.api.post(bea, haven, "The words only we share", title="Our secret title")
    await rig.settle()
    [on_a] = (await a.api.call("GET", "/api/v1/groups/haven/posts", as_=mo)).expect(200)["items"]
    await a.api.reply(mo, on_a["id"], "And the answer only we read")
    await rig.settle()
    secrets = ["The words only we share", "Our secret title", "And the answer only we read"]

    seeds = [thread["uri"], on_a["uri"], f"/posts/{on_a['id']}", f"/posts/{thread['id']}"]
    handles = [haven, f"bea@{b.domain}", f"mo@{a.domain}"]
    # The crawl finds the conversation where it may: its members, on both member nodes.
    for node, member in ((a, mo), (b, bea)):
        found = await crawl(node, member_of(member), seeds=seeds, handles=handles)
        assert len({leak.split("'")[1] for leak in found.leaks(secrets)}) == len(secrets)
    for node, visitors in (
        (a, [ANONYMOUS, member_of(al), node_signing(c)]),
        (b, [ANONYMOUS, member_of(bo), node_signing(c)]),
        (c, [ANONYMOUS, member_of(cy), node_signing(b)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == []
