"""Reading a group elsewhere as Lemmy, Mbin, PieFed and Kinfolk publish it: outboxes (whole
or paged), pinned posts, moderators and rules, from their captured payloads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation.protocol.group_rules import rules_html, rules_of
from federation.remote.backfill import _announced, _post_uri
from federation.remote.collections import walk
from federation.remote.groups import moderators_of
from node.rules import RuleChange
from node.views import RuleView
from tests.shared_fixtures import SHARED_FIXTURES, activitypub_fixture

MBIN = (
    SHARED_FIXTURES / "activitypub-extra/MbinOrg+mbin/tests/Unit/ActivityPub/Outbox/JsonSnapshots"
)
LEMMY_GROUP = "https://ds9.lemmy.ml/c/testcom"
MBIN_GROUP = "https://kbin.test/m/test"


def mbin(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((MBIN / f"{name}__1.json").read_text())
    return document


class Pages:
    """Documents by URL, as a server serves them; remembers what was asked for."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.fetched: list[str] = []

    async def __call__(self, url: str) -> dict[str, Any]:
        self.fetched.append(url)
        return self.documents[url]


async def read(collection: dict[str, Any], pages: Pages, origin: str, **limits: int) -> list[Any]:
    caps = {"max_pages": 5, "max_items": 50} | limits
    return [item async for item in walk(pages, collection, origin=origin, **caps)]


def backfilled(items: list[Any], group: str) -> list[str | None]:
    """The post each item would be back-filled as (None: not back-filled)."""
    return [None if (a := _announced(item, group)) is None else _post_uri(a) for item in items]


async def test_lemmys_outbox_is_read_whole_as_the_communitys_announced_posts() -> None:
    outbox = activitypub_fixture("lemmy/collections/group_outbox.json")
    pages = Pages({})
    items = await read(outbox, pages, LEMMY_GROUP)
    assert pages.fetched == []  # one document, every item inline
    assert backfilled(items, LEMMY_GROUP) == [
        "https://ds9.lemmy.ml/post/2328",
        "https://ds9.lemmy.ml/post/2327",
    ]
    # An item is the community's own Announce; another community's is not back-filled.
    assert backfilled(items, "https://ds9.lemmy.ml/c/other") == [None, None]


async def test_lemmys_featured_posts_are_read_as_posts_the_community_serves() -> None:
    featured = activitypub_fixture("lemmy/collections/group_featured_posts.json")
    items = await read(featured, Pages({}), "https://ds9.lemmy.ml/c/main")
    assert backfilled(items, "https://ds9.lemmy.ml/c/main") == [
        "https://ds9.lemmy.ml/post/2",
        "https://ds9.lemmy.ml/post/1",
    ]


def mbin_paged_outbox(items: list[dict[str, Any]]) -> tuple[dict[str, Any], Pages]:
    """An outbox in the shape Mbin pages its collections (``CollectionInfoWrapper`` and
    ``CollectionItemsWrapper``): the collection names its ``first`` page, each page its
    ``next``."""
    outbox = f"{MBIN_GROUP}/outbox"
    collection = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollection",
        "id": outbox,
        "first": f"{outbox}?page=1",
        "totalItems": len(items),
    }
    pages: dict[str, dict[str, Any]] = {}
    for number in range(1, len(items) + 1):
        page: dict[str, Any] = {
            "type": "OrderedCollectionPage",
            "partOf": outbox,
            "id": f"{outbox}?page={number}",
            "totalItems": len(items),
            "orderedItems": [items[number - 1]],
        }
        if number < len(items):
            page["next"] = f"{outbox}?page={number + 1}"
        pages[page["id"]] = page
    return collection, Pages(pages)


def mbin_items() -> list[dict[str, Any]]:
    """Mbin's Announces of a thread (an entry: ``Page``) and of a microblog post (``Note``),
    with the scrubbed ids made real."""
    items = []
    for number, name in enumerate(("testAnnounceCreateEntry", "testAnnounceCreatePost")):
        item = mbin(f"AnnounceTest__{name}")
        item["id"] = f"https://kbin.test/activities/{number}"
        item["object"]["object"]["id"] = f"https://kbin.test/m/test/t/{number}"
        items.append(item)
    return items


async def test_mbins_paged_outbox_is_read_page_after_page() -> None:
    collection, pages = mbin_paged_outbox(mbin_items())
    items = await read(collection, pages, MBIN_GROUP)
    assert pages.fetched == [f"{MBIN_GROUP}/outbox?page=1", f"{MBIN_GROUP}/outbox?page=2"]
    assert backfilled(items, MBIN_GROUP) == [
        "https://kbin.test/m/test/t/0",
        "https://kbin.test/m/test/t/1",
    ]


async def test_a_paged_outbox_is_read_within_its_limits() -> None:
    collection, pages = mbin_paged_outbox(mbin_items() * 3)  # six pages of one item
    assert len(await read(collection, pages, MBIN_GROUP, max_pages=2)) == 2
    assert len(pages.fetched) == 2
    collection, pages = mbin_paged_outbox(mbin_items() * 3)
    assert len(await read(collection, pages, MBIN_GROUP, max_items=3)) == 3
    assert len(pages.fetched) == 3
    # Pages are only fetched from the group's own server.
    collection, pages = mbin_paged_outbox(mbin_items())
    collection["first"] = "https://elsewhere.example/outbox?page=1"
    assert await read(collection, pages, MBIN_GROUP) == []
    assert pages.fetched == []


async def test_an_embedded_first_page_is_read_without_a_request() -> None:
    collection, pages = mbin_paged_outbox(mbin_items())
    collection["first"] = pages.documents[collection["first"]]
    items = await read(collection, pages, MBIN_GROUP)
    assert len(items) == 2
    assert pages.fetched == [f"{MBIN_GROUP}/outbox?page=2"]


@pytest.mark.parametrize(
    "name",
    [
        "AnnounceTest__testAnnounceLikePost",  # reactions,
        "AnnounceTest__testAnnounceDeleteEntry",  # deletions,
        "AnnounceTest__testAnnounceBlockUser",  # bans,
        "AnnounceTest__testAnnounceAddPinnedPost",  # pins: are not back-filled
        "AnnounceTest__testAnnounceUpdateMagazine",
    ],
)
def test_only_posts_are_back_filled(name: str) -> None:
    assert _announced(mbin(name), MBIN_GROUP) is None


def test_an_announce_by_someone_else_is_not_back_filled() -> None:
    [item, _] = mbin_items()
    item["actor"] = "https://kbin.test/u/user"
    assert _announced(item, MBIN_GROUP) is None
    assert _announced({"no": "type"}, MBIN_GROUP) is None


def test_where_groups_name_their_moderators() -> None:
    lemmy = activitypub_fixture("lemmy/objects/group.json")
    assert moderators_of(lemmy) == "https://enterprise.lemmy.ml/c/tenforward/moderators"
    magazine = mbin("UpdateTest__testUpdateMagazine")["object"]
    magazine["id"] = MBIN_GROUP
    assert moderators_of(magazine) == f"{MBIN_GROUP}/moderators"
    # PieFed, and Kinfolk: ``moderators`` too.
    piefed = {
        "id": "https://pf.example/c/x",
        "moderators": "https://pf.example/c/x/moderators",
        "attributedTo": "https://pf.example/c/x/moderators",
    }
    assert moderators_of(piefed) == "https://pf.example/c/x/moderators"
    # A collection on another server is not taken; a list names the actors themselves.
    assert moderators_of({"id": LEMMY_GROUP, "attributedTo": "https://else.example/m"}) is None
    owners = {"id": LEMMY_GROUP, "attributedTo": [{"type": "Person", "id": "https://a/u/b"}]}
    assert moderators_of(owners) == ["https://a/u/b"]


def test_lemmys_and_mbins_groups_without_a_rules_section_have_no_rules() -> None:
    assert rules_of(activitypub_fixture("lemmy/objects/group.json")) == []
    assert rules_of(mbin("UpdateTest__testUpdateMagazine")["object"]) == []


def test_rules_under_a_heading_of_the_sidebar_are_read_as_mbin_and_lemmy_write_them() -> None:
    magazine = mbin("UpdateTest__testUpdateMagazine")["object"]
    # Mbin appends a magazine's rules to its description so (GroupFactory).
    magazine["source"]["content"] = (
        "A place to talk.\r\n\r\n### Rules\r\n\r\n1. **Be kind**: no insults\r\n"
        "2. No spam\r\n\r\n### Links\r\n\r\n- not a rule"
    )
    assert rules_of(magazine) == [RuleChange("Be kind", "no insults"), RuleChange("No spam")]
    # Without a markdown source, the summary's HTML is read the same way.
    sidebar = {"summary": "<p>Hi</p><h2>Community rules</h2><ul><li>Be kind</li></ul><p>Bye</p>"}
    assert rules_of(sidebar) == [RuleChange("Be kind")]


def test_piefeds_rules_and_ours_are_read_from_rules() -> None:
    piefed = {"rules": "<p>Be nice to each other.</p>\n<p>No spam.</p>"}
    assert rules_of(piefed) == [RuleChange("Be nice to each other."), RuleChange("No spam.")]
    ours = [RuleView(1, "Be gentle", "What is shared <here> stays here"), RuleView(2, "Listen", "")]
    assert rules_of({"rules": rules_html(ours)}) == [
        RuleChange("Be gentle", "What is shared <here> stays here"),
        RuleChange("Listen"),
    ]


def test_rules_are_cut_to_this_nodes_limits_not_refused() -> None:
    many = "".join(f"<li>Rule {n}</li>" for n in range(40))
    assert len(rules_of({"rules": f"<ol>{many}</ol>"})) == 30
    long = "word " * 100
    [rule] = rules_of({"rules": f"<ol><li>{long}</li></ol>"})
    assert len(rule.title) <= 200
    assert rule.title.endswith("…")
    assert rule.description == long.strip()
