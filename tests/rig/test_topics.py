"""Support topics across three nodes and a Mastodon server: a post's topics travel
A→B→C as tags, a Mastodon CW is read as a topic, and a reader's "hide suicide" filter
hides both, in the pages and the API, on every node."""

from __future__ import annotations

import json
from typing import Any

from tests.api_client import Api, Member
from tests.rig.crawl import HTML, crawl, member_of
from tests.rig.rig import Rig, RigNode
from tests.rig.shaped_peers import LemmyPeer, MastodonPeer, join_lemmy_community, shared_inbox

B_TEXT = "I cannot see a way through tonight"
FELIX_TEXT = "Some nights the thoughts come back"


async def _join(rig: Rig, node: RigNode, member: Member, group: str) -> None:
    (await node.api.call("POST", f"/api/v1/groups/{group}/join", as_=member)).expect(200)
    await rig.settle()


async def _threads(api: Api, member: Member, group: str) -> dict[str, Any]:
    answer = await api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
    return dict(answer.expect(200))


async def _hide_suicide(node: RigNode, member: Member) -> None:
    answer = await node.api.call(
        "PATCH",
        "/api/v1/accounts/me/topic-filters",
        as_=member,
        json={"choices": {"suicide": "hide"}},
    )
    assert answer.expect(200)["choices"]["suicide"] == "hide"


async def _page(node: RigNode, member: Member, path: str) -> str:
    cookie = {"Cookie": f"kinfolk_session={member.token}", "Accept": HTML}
    async with node.api.client.get(path, headers=cookie) as response:
        assert response.status == 200, path
        return await response.text()


async def test_topics_round_trip_a_mastodon_cw_maps_and_filters_hide_on_every_node(
    rig: Rig, mastodon: MastodonPeer
) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await _join(rig, b, bea, circle)
    await _join(rig, c, cal, circle)
    group = await mastodon.resolve(circle)
    felix = mastodon.person("felix")
    assert await mastodon.deliver(felix, group["inbox"], mastodon.follow(felix, group["id"])) == 202
    await rig.settle()

    # B's member marks a thread: A's group shares it, with its topic, with C and Mastodon.
    thread = await b.api.post(bea, circle, B_TEXT, title="Tonight", topics=["suicide"])
    await rig.settle()
    # Felix on Mastodon writes with a German CW, as Mastodon sends one.
    create = mastodon.mention(felix, group, FELIX_TEXT, summary="CW: Suizidgedanken")
    assert await mastodon.deliver(felix, shared_inbox(group), create) == 202
    await rig.settle()

    expected = {
        thread["uri"]: (["suicide"], ""),
        create["object"]["id"]: (["suicide"], "CW: Suizidgedanken"),
    }
    for node, member, name in ((a, mo, "circle"), (b, bea, circle), (c, cal, circle)):
        listed = await _threads(node.api, member, name)
        shown = {p["uri"]: (p["topics"], p["content_warning"]) for p in listed["items"]}
        assert shown == expected, node.name
        assert {p["filtered"] for p in listed["items"]} == {"collapse"}  # the default
    # Mastodon got the topic as the CW it knows, and the tag it ignores.
    [note] = [
        r.activity["object"]["object"]
        for r in mastodon.received_of("Announce")
        if r.activity["object"]["object"]["id"] == thread["uri"]
    ]
    assert (note["summary"], note["sensitive"]) == ("Suicide", True)
    assert [tag["type"] for tag in note["tag"]] == ["SupportTopic"]

    # A reader on each node hides suicide: both posts are hidden there, pages and API.
    readers = [(a, await a.member("al")), (b, await b.member("bo")), (c, await c.member("cy"))]
    for node, reader in readers:
        name = "circle" if node is a else circle
        await _join(rig, node, reader, name)
        await _hide_suicide(node, reader)
        listed = await _threads(node.api, reader, name)
        assert listed["hidden_by_filters"] == 2, node.name
        assert {p["content_html"] for p in listed["items"]} == {""}
        group_page = await _page(node, reader, f"/groups/{name}")
        assert "Tonight" not in group_page
        assert "2 threads on this page are hidden by your filters." in group_page
        for post in listed["items"]:
            html = await _page(node, reader, f"/posts/{post['id']}")
            assert B_TEXT not in html
            assert FELIX_TEXT not in html
            assert "Hidden by your filters: Suicide" in html
        # Everything the reader can reach: the words appear only where they opened a
        # post on purpose, or in ActivityPub documents (for servers, whole on purpose:
        # each reader's own node applies their filters).
        seeds = [f"/posts/{p['id']}" for p in listed["items"]]
        found = await crawl(node, member_of(reader), seeds=seeds, handles=[circle])
        reached = [
            (where, text)
            for where, text in found.answers.items()
            if B_TEXT in text or FELIX_TEXT in text
        ]
        for where, text in reached:
            assert "reveal=" in where or _activitypub(text), f"{where} on {node.name}"
        assert any("reveal=" in where for where, _ in reached), node.name


def _activitypub(text: str) -> bool:
    try:
        document = json.loads(text)
    except ValueError:
        return False
    return isinstance(document, dict) and "@context" in document


async def test_a_lemmy_community_gets_our_topics_as_its_warning_and_its_title_warnings_filter(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    """Lemmy has no warning field: what we send is NSFW with a summary naming the topics;
    what it sends is read for a warning written into the title."""
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)
    await a.api.post(
        ana, handle, "Three weeks without a drink.", title="Day 21", topics=["substance-use"]
    )
    await rig.settle()
    [sent] = lemmy.received_of("Create")
    page = sent.activity["object"]
    assert (page["summary"], page["sensitive"]) == ("Substance use", True)

    marked = lemmy.page(community, picard, "[TW: SH] A bad night", "It happened again.")
    announce = lemmy.announce(community, lemmy.create(community, picard, marked))
    assert await lemmy.deliver(community, f"{a.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    topics = {p["title"]: p["topics"] for p in (await _threads(a.api, ana, handle))["items"]}
    assert topics == {"Day 21": ["substance-use"], "[TW: SH] A bad night": ["self-harm"]}

    answer = await a.api.call(
        "PATCH",
        "/api/v1/accounts/me/topic-filters",
        as_=ana,
        json={"choices": {"self-harm": "hide", "substance-use": "hide"}},
    )
    answer.expect(200)
    listed = await _threads(a.api, ana, handle)
    assert listed["hidden_by_filters"] == 1  # her own post is never hidden from her
    html = await _page(a, ana, f"/groups/{handle}")
    assert "A bad night" not in html
    assert "Day 21" in html
