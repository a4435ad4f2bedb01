"""Nobody but the two members reads a conversation across nodes: a crawl of the asker's
node, the recipient's node and a third node, as an anonymous visitor, a signed-in member
who is not one of the two, and another node signing its fetches (the partner's node
too: the ids of conversations, messages and their activities are served to no one),
finds the words nowhere: pages, API, ActivityPub documents, collections, WebFinger,
NodeInfo."""

from __future__ import annotations

import pytest

from federation.remote.http import FetchError, FetchErrorKind
from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig
from tests.rig.test_conversations import API, items, sent, two_nodes_sharing_a_group
from web.keys import FEDERATION

ASKING = "I keep thinking about the lake house and what happened there"
ANSWER = "You can tell me about the lake house whenever you are ready"
MORE = "My brother Tomas still does not know what I saw"


async def test_a_conversation_is_read_by_its_two_members_alone_on_every_node(rig: Rig) -> None:
    a, b, ana, bea = await two_nodes_sharing_a_group(rig)
    c = await rig.add_node("gamma")
    cal = await c.member("cal")
    al, ben = await a.member("al"), await b.member("ben")  # members of the two nodes
    await c.api.join(cal, f"circle@{b.domain}")  # in the group the two share, even
    asked = await a.api.call("POST", API, as_=ana, json={"to": f"bea@{b.domain}", "text": ASKING})
    on_a = asked.expect(201)["id"]
    await rig.settle()
    [waiting] = await items(b, bea, f"{API}/requests")
    on_b = waiting["id"]
    (await b.api.call("POST", f"{API}/{on_b}/accept", as_=bea)).expect(200)
    await rig.settle()
    (await b.api.call("POST", f"{API}/{on_b}/messages", as_=bea, json={"text": ANSWER})).expect(201)
    await rig.settle()
    (await a.api.call("POST", f"{API}/{on_a}/messages", as_=ana, json={"text": MORE})).expect(201)
    await rig.settle()

    # Every id the conversation travelled under, and every page and API path it has.
    ids: set[str] = set()
    for node in (a, b):
        for activity, _ in await sent(node):
            named = activity["object"]
            if activity["type"] == "Create":  # the request and the messages
                ids |= {activity["id"], named["id"], named["context"]}
            elif activity["type"] == "Accept" and isinstance(named, str):  # of the request
                ids |= {activity["id"], named}
    assert len(ids) == 8  # three Creates and their Notes, the Accept, the conversation
    pages = [f"/conversations/{on_a}", f"/conversations/{on_b}", "/conversations"]
    api = [f"{API}/{on_a}", f"{API}/{on_a}/messages", f"{API}/{on_b}/messages", API]
    seeds = [*ids, *pages, *api, "/conversations/requests"]
    handles = [f"ana@{a.domain}", f"bea@{b.domain}", f"cal@{c.domain}", f"circle@{b.domain}"]
    secrets = [ASKING, ANSWER, MORE, "lake house", "Tomas"]

    for node, visitors in (
        (a, [ANONYMOUS, member_of(al), node_signing(b), node_signing(c)]),
        (b, [ANONYMOUS, member_of(ben), node_signing(a), node_signing(c)]),
        (c, [ANONYMOUS, member_of(cal), node_signing(a), node_signing(b)]),
    ):
        for visitor in visitors:
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks(secrets) == []
            if visitor.node is None:  # a node's fetch that fails is not an answer
                asked_for = " ".join(found.answers)
                assert all(u in asked_for for u in ids if u.startswith(node.settings.base_url))

    # Not even the partner's node may fetch them: each answers as one that does not exist.
    for node, partner in ((a, b), (b, a)):
        assert partner.server is not None
        for uri in sorted(u for u in ids if u.startswith(node.settings.base_url)):
            with pytest.raises(FetchError) as refused:
                await partner.server.app[FEDERATION].fetch(uri)
            assert refused.value.kind is FetchErrorKind.NOT_FOUND, (uri, refused.value.reason)

    # The same crawl finds the words where they belong: with the two members.
    for node, member in ((a, ana), (b, bea)):
        theirs = await crawl(node, member_of(member), seeds=seeds, handles=handles)
        assert theirs.leaks([ASKING, ANSWER, MORE]) != []
