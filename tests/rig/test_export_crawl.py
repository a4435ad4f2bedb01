"""A member's archive is theirs alone, on every node: after Ana (alpha) asks for hers,
holding her post in a private group and her words to Bea (beta), a crawl of both nodes
as an anonymous visitor, another member and the other node signing its fetches, seeded
with the archive's page and API addresses, meets neither her words nor any archive."""

from __future__ import annotations

import re

from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig
from tests.rig.test_conversations import API, items, two_nodes_sharing_a_group
from web.pages.session import SESSION_COOKIE

PRIVATE_POST = "The night the ambulance came I was alone with Mira"
TO_BEA = "Only you know about the letter from the clinic"
EXPORT = "/api/v1/account/export"


async def test_a_members_archive_is_found_by_no_one_else_on_any_node(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    al, ben = await a.member("al"), await b.member("ben")
    await a.api.create_group(ana, "quiet", visibility="private")
    await a.api.post(ana, "quiet", PRIVATE_POST)
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": TO_BEA})
    asked.expect(201)
    await rig.settle()
    [waiting] = await items(b, bea, f"{API}/requests")
    (await b.api.call("POST", f"{API}/{waiting['id']}/accept", as_=bea)).expect(200)
    await rig.settle()

    assert (await a.api.call("POST", EXPORT, as_=ana)).expect(202)["state"] == "ready"
    assert a.client is not None
    async with a.client.get(
        "/settings/data", headers={"Cookie": f"{SESSION_COOKIE}={ana.token}"}
    ) as response:
        [download] = re.findall(r'href="(/settings/data/archive/[^"]+)"', await response.text())
    # Hers: the archive is there for her.
    async with a.client.get(download, headers={"Cookie": f"{SESSION_COOKIE}={ana.token}"}) as own:
        assert (own.status, own.content_type) == (200, "application/zip")

    seeds = [download, EXPORT, f"{EXPORT}/archive", "/settings/data"]
    handles = [f"ana@{a.domain}", f"bea@{b.domain}", f"quiet@{a.domain}"]
    for node, visitors in (
        (a, [ANONYMOUS, member_of(al), node_signing(b)]),
        (b, [ANONYMOUS, member_of(ben), node_signing(a)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks([PRIVATE_POST, TO_BEA, "kinfolk-export-2"]) == []
            assert not any(text.startswith("PK") for text in found.answers.values())
