"""A member's email address is read by that member alone: a crawl of their node and of
the node of a group they post in, as an anonymous visitor, a signed-in member and
another node signing its fetches, finds it nowhere (pages, API, ActivityPub documents,
collections, WebFinger, NodeInfo); the member finds it on their own settings."""

from __future__ import annotations

import re

from tests.mailbox import Mailbox
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig

ADDRESS = "ana.hidden.mailbox@example.org"


async def test_an_email_address_is_read_by_its_member_alone_on_every_node(
    rig: Rig, mailbox: Mailbox
) -> None:
    a, b = await rig.add_node("alpha", smtp_url=mailbox.server), await rig.add_node("beta")
    ana, bea = await a.member("ana"), await b.member("bea")
    await b.api.create_group(bea, "circle")
    await a.api.join(ana, f"circle@{b.domain}")
    al, ben = await a.member("al"), await b.member("ben")
    added = await a.api.call("PUT", "/api/v1/account/email", as_=ana, json={"address": ADDRESS})
    added.expect(200)
    await rig.settle()
    [mail] = mailbox.to(ADDRESS)
    [token] = re.findall(r"/email/verify/(\S+)", mail.text)
    verified = await a.api.call("POST", "/api/v1/account/email/verify", json={"token": token})
    assert verified.expect(200)["verified"] is True
    post = await a.api.post(ana, f"circle@{b.domain}", "Hello from ana", title="Hello")
    await rig.settle()

    seeds = [
        "/settings",
        "/settings/email",
        "/api/v1/account/email",
        "/api/v1/accounts/me",
        "/members/ana",
        f"/api/v1/members/ana@{a.domain}",
        f"/posts/{post['id']}",
    ]
    handles = [f"ana@{a.domain}", f"bea@{b.domain}", f"circle@{b.domain}"]
    secrets = [ADDRESS, "hidden.mailbox"]
    for node, visitors in (
        (a, [ANONYMOUS, member_of(al), node_signing(b)]),
        (b, [ANONYMOUS, member_of(ben), member_of(bea), node_signing(a)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == []

    # The same crawl finds it where it belongs: with ana, on her own node.
    theirs = await crawl(a, member_of(ana), seeds=seeds, handles=handles)
    assert theirs.leaks([ADDRESS]) != []
