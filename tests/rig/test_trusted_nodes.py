"""Trusted nodes: node G hosts a private group for members of G and of trusted nodes only.
G trusts T, not U: a member on T joins, a member on U is turned down (told why, on her
node's pages in her language), and a crawl of every node finds none of the group's words
for U's member or U's node."""

from __future__ import annotations

import json
from html import unescape

from sqlalchemy import select

from federation.actions import policy_change
from federation.tables import InboxItem
from node.remote_members import TRUSTED_NODES_ONLY
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig, database_of, rows_of
from web.keys import FEDERATION
from web.pages.session import SESSION_COOKIE

# Uma's notifications page, in each language: G's reason, as G gave it, in U's own frame.
TOLD = {
    "en": f"Reason given: {TRUSTED_NODES_ONLY}",
    "de": f"Angegebener Grund: {TRUSTED_NODES_ONLY}",
    "fr": f"Raison donnée : {TRUSTED_NODES_ONLY}",
}


async def test_a_trusted_only_group_admits_trusted_nodes_and_leaks_nothing(rig: Rig) -> None:
    g, t, u = [await rig.add_node(name) for name in ("gee", "tee", "you")]
    mo, tia, uma = await g.member("mo"), await t.member("tia"), await u.member("uma")
    await g.api.create_group(mo, "haven", visibility="private", join_policy="open")
    haven = f"haven@{g.domain}"
    settings = await g.api.call(
        "PATCH", "/api/v1/groups/haven/settings", as_=mo, json={"trusted_nodes_only": True}
    )
    assert settings.expect(200)["trusted_nodes_only"] is True
    # What ``kinfolk policy trust`` does on G.
    assert g.server is not None
    async with database_of(g) as session:
        await policy_change.set_trusted(
            session, t.domain, True, now=g.clock(), cache=g.server.app[FEDERATION].policy
        )

    # Uma on U asks and is turned down at once; U is told why, in the Reject's summary.
    (await u.api.call("POST", f"/api/v1/groups/{haven}/join", as_=uma)).expect(200)
    await rig.settle()
    seen = (await u.api.call("GET", f"/api/v1/groups/{haven}", as_=uma)).expect(200)
    assert seen["membership"] is None
    payloads = [json.loads(p) for (p,) in await rows_of(u, select(InboxItem.payload))]
    [reject] = [p for p in payloads if p["type"] == "Reject"]
    assert reject["summary"] == TRUSTED_NODES_ONLY
    assert reject["object"]["actor"] == f"{u.settings.base_url}/members/uma"
    # ... and Uma, on U, is told it with the refusal.
    told = (await u.api.call("GET", "/api/v1/notifications", as_=uma)).expect(200)
    [refused] = [n for n in told["items"] if n["kind"] == "join_rejected"]
    assert refused["reason"] == TRUSTED_NODES_ONLY
    assert u.client is not None
    for language, line in TOLD.items():
        chosen = {"locale": language}
        (await u.api.call("PATCH", "/api/v1/accounts/me", as_=uma, json=chosen)).expect(200)
        headers = {"Cookie": f"{SESSION_COOKIE}={uma.token}"}
        async with u.client.get("/notifications", headers=headers) as page:
            assert line in unescape(await page.text()), language

    # Tia on T (trusted) joins, and the group talks.
    (await t.api.call("POST", f"/api/v1/groups/{haven}/join", as_=tia)).expect(200)
    await rig.settle()
    joined = (await t.api.call("GET", f"/api/v1/groups/{haven}", as_=tia)).expect(200)
    assert joined["membership"]["state"] == "approved"
    thread = await t.api.post(tia, haven, "Words for the trusted circle", title="Trusted title")
    await rig.settle()
    [on_g] = (await g.api.call("GET", "/api/v1/groups/haven/posts", as_=mo)).expect(200)["items"]
    await g.api.reply(mo, on_g["id"], "An answer kept among us")
    await rig.settle()
    secrets = ["Words for the trusted circle", "Trusted title", "An answer kept among us"]
    # Its members read them on G and on T.
    for node, member, group in ((g, mo, "haven"), (t, tia, haven)):
        posts = await node.api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
        assert [p["title"] for p in posts.expect(200)["items"]] == ["Trusted title"]

    seeds = [thread["uri"], on_g["uri"], f"/posts/{on_g['id']}", f"/posts/{thread['id']}"]
    handles = [haven, f"tia@{t.domain}", f"mo@{g.domain}"]
    for node, visitors in (
        (g, [ANONYMOUS, node_signing(u)]),
        (t, [ANONYMOUS, node_signing(u)]),
        (u, [ANONYMOUS, member_of(uma)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == [], (node.name, visitor)
