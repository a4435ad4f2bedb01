"""Joining a Lemmy community (or a group whose outbox is paged as Mbin pages it) back-fills it:
the peers serve their captured collection shapes (``lemmy/collections``, Mbin's
collection wrappers around its own ``Announce`` snapshots), ids rewritten to the peer."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.rig.rig import Rig
from tests.rig.shaped_peers import LemmyPeer, PeerActor, join_lemmy_community, rewrite
from tests.shared_fixtures import SHARED_FIXTURES, activitypub_fixture

MBIN = (
    SHARED_FIXTURES / "activitypub-extra/MbinOrg+mbin/tests/Unit/ActivityPub/Outbox/JsonSnapshots"
)
SIDEBAR = "Lounge and recreation facility.\n\n## Rules\n\n1. **Be civil**: no insults\n2. No spam\n"


@pytest.fixture
async def lemmy(rig: Rig) -> AsyncIterator[LemmyPeer]:
    peer = LemmyPeer("127.0.0.53", rig.clock)
    await peer.start()
    yield peer
    await peer.close()


def _collections(lemmy: LemmyPeer, community: PeerActor, moderator: PeerActor) -> None:
    """The community's sidebar with rules, and its moderators and featured collections, as
    Lemmy serves them (the featured URL without the fixture's double slash)."""
    community.document["source"]["content"] = SIDEBAR
    community.document["featured"] = f"{community.uri}/featured"
    moderators = activitypub_fixture("lemmy/collections/group_moderators.json")
    lemmy.publish(
        {**moderators, "id": community.document["attributedTo"], "orderedItems": [moderator.uri]}
    )


async def test_joining_a_lemmy_community_back_fills_it(rig: Rig, lemmy: LemmyPeer) -> None:
    b = await rig.add_node("beta")
    bea = await b.member("bea")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    _collections(lemmy, community, picard)
    opening = lemmy.page(community, picard, "Ten Forward opens", "Drinks on the house.")
    rig.clock.advance(minutes=1)
    poker = lemmy.page(community, picard, "Poker night", "Bring chips.")
    outbox = activitypub_fixture("lemmy/collections/group_outbox.json")
    items = [
        lemmy.announce(community, lemmy.create(community, picard, page))
        for page in (poker, opening)
    ]
    lemmy.publish({**outbox, "id": community.document["outbox"], "orderedItems": items})
    featured = activitypub_fixture("lemmy/collections/group_featured_posts.json")
    lemmy.publish({**featured, "id": community.document["featured"], "orderedItems": [opening]})

    handle = await join_lemmy_community(rig, lemmy, b, bea, community)

    threads = await b.api.items(bea, f"/api/v1/groups/{handle}/posts")
    assert [(t["title"], t["uri"]) for t in threads] == [
        ("Poker night", poker["id"]),
        ("Ten Forward opens", opening["id"]),
    ]
    pinned = await b.api.items(bea, f"/api/v1/groups/{handle}/pinned")
    assert [t["title"] for t in pinned] == ["Ten Forward opens"]
    group = (await b.api.call("GET", f"/api/v1/groups/{handle}", as_=bea)).expect(200)
    assert [(r["title"], r["description"]) for r in group["rules"]] == [
        ("Be civil", "no insults"),
        ("No spam", ""),
    ]
    mods = (await b.api.call("GET", f"/api/v1/groups/{handle}/moderators")).expect(200)
    assert [m["acct"] for m in mods["items"]] == [f"picard@{lemmy.domain}"]

    # A moderator's Update of the community, announced by it (Lemmy's shape): the group is
    # read again from its server, rules and all.
    community.document["source"]["content"] = "Lounge.\n\n## Rules\n\n- Be kind\n"
    captured = activitypub_fixture("lemmy/activities/community/update_community.json")
    update = rewrite(
        captured,
        {
            captured["id"]: f"{lemmy.origin}/activities/update/{uuid.uuid4()}",
            "http://ds9.lemmy.ml/u/lemmy_alpha": picard.uri,
            "http://enterprise.lemmy.ml/c/main": community.uri,
            "https://enterprise.lemmy.ml/c/main": community.uri,
        },
    )
    announce = lemmy.announce(community, update)
    assert await lemmy.deliver(community, f"{b.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    group = (await b.api.call("GET", f"/api/v1/groups/{handle}", as_=bea)).expect(200)
    assert [r["title"] for r in group["rules"]] == ["Be kind"]

    # The group's own Update of itself (as PieFed sends it) is its word, read as sent.
    community.document["source"]["content"] = "## Rules\n\n- Be kind\n- Stay on topic\n"
    update = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Update",
        "id": f"{lemmy.origin}/activities/update/{uuid.uuid4()}",
        "actor": community.uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": community.document,
    }
    assert await lemmy.deliver(community, f"{b.settings.base_url}/inbox", update) == 202
    await rig.settle()
    group = (await b.api.call("GET", f"/api/v1/groups/{handle}", as_=bea)).expect(200)
    assert [r["title"] for r in group["rules"]] == ["Be kind", "Stay on topic"]


def _mbin(name: str, replacements: dict[str, str]) -> dict[str, Any]:
    text = (MBIN / f"{name}__1.json").read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    document: dict[str, Any] = json.loads(text)
    return document


async def test_an_outbox_paged_as_mbin_pages_it_is_back_filled_page_by_page(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    b = await rig.add_node("beta")
    bea = await b.member("bea")
    magazine, user = lemmy.community("test"), lemmy.person("user")
    items: list[dict[str, Any]] = []
    for number, name in enumerate(("testAnnounceCreateEntry", "testAnnounceCreatePost")):
        rig.clock.advance(minutes=1)
        # Mbin's own Announces, the scrubbed ids and dates made real.
        item = _mbin(
            f"AnnounceTest__{name}",
            {
                "https://kbin.test/m/test": magazine.uri,
                "https://kbin.test/u/user": user.uri,
                "SCRUBBED_DATE": rig.clock().isoformat().replace("+00:00", "Z"),
            },
        )
        item["id"] = f"{lemmy.origin}/activities/announce/{number}"
        item["object"]["id"] = f"{lemmy.origin}/activities/create/{number}"
        item["object"]["object"]["id"] = item["object"]["object"]["url"] = (
            f"{lemmy.origin}/m/test/t/{number}"
        )
        items.insert(0, item)  # newest first
    outbox = magazine.document["outbox"]
    # Mbin's CollectionInfoWrapper and CollectionItemsWrapper: one item a page here.
    lemmy.publish(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": outbox,
            "type": "OrderedCollection",
            "first": f"{outbox}/page/1",
            "totalItems": len(items),
        }
    )
    for number, item in enumerate(items, start=1):
        page = {
            "type": "OrderedCollectionPage",
            "partOf": outbox,
            "totalItems": len(items),
            "id": f"{outbox}/page/{number}",
            "orderedItems": [item],
        }
        if number < len(items):
            page["next"] = f"{outbox}/page/{number + 1}"
        lemmy.publish(page)

    handle = await join_lemmy_community(rig, lemmy, b, bea, magazine)

    threads = await b.api.items(bea, f"/api/v1/groups/{handle}/posts")
    assert [t["uri"] for t in threads] == [f"{lemmy.origin}/m/test/t/{n}" for n in (1, 0)]
    assert threads[0]["content_html"].startswith("<p>test</p>")  # the microblog post
    assert threads[1]["title"] == "test"  # the entry
