"""A Mastodon and a Lemmy as their captured payloads show them, against real nodes.

The peers (``tests.rig.shaped_peers``) are fakes, but every activity they send is
a captured one with its ids rewritten, signed as those servers sign, and what a
node sends them is verified and compared with what they send themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from federation.protocol.post_readings import SENSITIVE_WARNING
from federation.protocol.vocab import PUBLIC
from federation.tables import InboxItem, QueueState
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.shaped_peers import (
    LemmyPeer,
    MastodonPeer,
    PeerActor,
    join_lemmy_community,
    shared_inbox,
)
from tests.shared_fixtures import activitypub_fixture

# What Lemmy's Page and Note (comment) read, as its own captured payloads carry them.
LEMMY_PAGE = (
    "type",
    "id",
    "attributedTo",
    "to",
    "audience",
    "name",
    "content",
    "mediaType",
    "sensitive",
    "published",
)
LEMMY_COMMENT = (
    "type",
    "id",
    "attributedTo",
    "to",
    "cc",
    "audience",
    "content",
    "mediaType",
    "inReplyTo",
    "published",
)
LEMMY_CREATE = ("type", "id", "actor", "to", "cc", "audience", "object")


def shape_differences(
    sent: dict[str, Any], captured: dict[str, Any], keys: tuple[str, ...]
) -> list[str]:
    """Which of ``keys`` ``sent`` lacks or carries in another JSON shape than ``captured``."""
    problems = []
    for key in keys:
        if key not in sent:
            problems.append(f"{key} is missing")
        elif type(sent[key]) is not type(captured[key]):
            problems.append(
                f"{key} is a {type(sent[key]).__name__}, not a {type(captured[key]).__name__}"
            )
    return problems


def addressed(document: dict[str, Any]) -> set[str]:
    """Everyone in ``to`` and ``cc``."""
    return {*document.get("to", []), *document.get("cc", [])}


async def _outcome(node: RigNode, activity_id: str) -> tuple[QueueState, str | None]:
    """How a node's inbox worker ended with an activity, and why."""
    async with database_of(node) as session:
        item = await session.scalar(select(InboxItem).where(InboxItem.activity_uri == activity_id))
        assert item is not None, f"{activity_id} never reached the inbox"
        return item.state, item.last_error


async def _mastodon_member(
    rig: Rig, mastodon: MastodonPeer, group: dict[str, Any], name: str
) -> tuple[PeerActor, dict[str, Any]]:
    """A Mastodon account that has followed (joined) ``group``, and its Follow."""
    person = mastodon.person(name)
    follow = mastodon.follow(person, group["id"])
    assert await mastodon.deliver(person, group["inbox"], follow) == 202
    await rig.settle()
    return person, follow


async def test_a_mastodon_member_follows_and_mentions_a_group_others_are_refused(
    rig: Rig, mastodon: MastodonPeer
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    await b.api.join(bea, f"circle@{a.domain}")
    group = await mastodon.resolve(f"circle@{a.domain}")

    felix, follow = await _mastodon_member(rig, mastodon, group, "felix")
    [accept] = mastodon.received_of("Accept")
    assert accept.verified, accept.problem
    assert accept.activity["actor"] == group["id"]
    assert accept.activity["object"]["id"] == follow["id"]

    create = mastodon.mention(felix, group, "Has anyone tried journaling?")
    assert await mastodon.deliver(felix, shared_inbox(group), create) == 202
    await rig.settle()
    [on_a] = await a.api.items(mo, "/api/v1/groups/circle/posts")
    assert on_a["uri"] == create["object"]["id"]
    assert on_a["author"]["id"] == felix.uri
    assert "Has anyone tried journaling?" in on_a["content_html"]
    # The group shares it with its members: on beta, and on Mastodon itself.
    [on_b] = await b.api.items(bea, f"/api/v1/groups/circle@{a.domain}/posts")
    assert on_b["uri"] == create["object"]["id"]
    [announce] = mastodon.received_of("Announce")
    assert announce.verified, announce.problem
    assert announce.activity["actor"] == group["id"]
    assert announce.activity["object"]["id"] == create["id"]

    # Someone who never joined is refused, and the inbox log says why.
    kim = mastodon.person("kim")
    uninvited = mastodon.mention(kim, group, "Buy my course!")
    assert await mastodon.deliver(kim, shared_inbox(group), uninvited) == 202
    await rig.settle()
    assert await _outcome(a, uninvited["id"]) == (
        QueueState.FAILED,
        f"{kim.uri} is not a member of circle@{a.domain}, so cannot post in it",
    )
    # Unfollowing is leaving: felix's next post is refused the same way.
    assert await mastodon.deliver(felix, group["inbox"], mastodon.undo(felix, follow)) == 202
    await rig.settle()
    after = mastodon.mention(felix, group, "Still here?")
    assert await mastodon.deliver(felix, shared_inbox(group), after) == 202
    await rig.settle()
    assert await _outcome(a, after["id"]) == (
        QueueState.FAILED,
        f"{felix.uri} is not a member of circle@{a.domain}, so cannot post in it",
    )
    assert [p["uri"] for p in await a.api.items(mo, "/api/v1/groups/circle/posts")] == [on_a["uri"]]
    assert len(mastodon.received_of("Announce")) == 1  # nothing refused was shared


async def test_a_member_joins_a_lemmy_community_and_posts_there_as_lemmy_expects(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)

    page = lemmy.page(community, picard, "Welcome aboard", "Say hello to the crew.")
    announce = lemmy.announce(community, lemmy.create(community, picard, page))
    assert await lemmy.deliver(community, f"{a.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    [thread] = await a.api.items(ana, f"/api/v1/groups/{handle}/posts")
    assert (thread["uri"], thread["title"]) == (page["id"], "Welcome aboard")
    assert thread["author"]["id"] == picard.uri
    assert thread["content_html"] == "<p>Say hello to the crew.</p>\n"

    mine = await a.api.post(ana, handle, "Glad to be here.", title="Hello from alpha")
    await a.api.reply(ana, thread["id"], "Hello, Picard!")
    await rig.settle()
    creates = lemmy.received_of("Create")
    assert [c.verified for c in creates] == [True, True], [c.problem for c in creates]
    assert {c.path for c in creates} == {f"/c/{community.handle}/inbox"}
    by_type = {c.activity["object"]["type"]: c.activity for c in creates}
    sent_page, sent_comment = by_type["Page"], by_type["Note"]

    captured = activitypub_fixture("lemmy/activities/create_or_update/create_page.json")
    assert shape_differences(sent_page, captured, LEMMY_CREATE) == []
    assert shape_differences(sent_page["object"], captured["object"], LEMMY_PAGE) == []
    assert sent_page["object"]["id"] == mine["uri"]
    assert sent_page["object"]["name"] == "Hello from alpha"
    captured = activitypub_fixture("lemmy/activities/create_or_update/create_comment.json")
    assert shape_differences(sent_comment, captured, LEMMY_CREATE) == []
    assert shape_differences(sent_comment["object"], captured["object"], LEMMY_COMMENT) == []
    assert sent_comment["object"]["inReplyTo"] == page["id"]
    for sent in (sent_page, sent_comment):
        assert (
            sent["actor"] == sent["object"]["attributedTo"] == f"{a.settings.base_url}/members/ana"
        )
        for document in (sent, sent["object"]):
            # Lemmy takes a community's posts when they are public and name the community.
            assert document["audience"] == community.uri
            assert {PUBLIC, community.uri} <= addressed(document)

    # Lemmy announces every post in the community, the member's own included.
    echo = lemmy.announce(community, {k: v for k, v in sent_page.items() if k != "@context"})
    assert await lemmy.deliver(community, f"{a.settings.base_url}/inbox", echo) == 202
    await rig.settle()
    assert (await _outcome(a, echo["id"]))[0] is QueueState.DONE
    assert len(await a.api.items(ana, f"/api/v1/groups/{handle}/posts")) == 2


async def test_a_reply_that_arrives_before_its_thread_is_placed_in_it(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    """Deliveries of different posts race (and one may be retried while the next goes
    through): the node fetches the missing thread from its origin, then files the reply."""
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)
    data = lemmy.person("data")
    page = lemmy.page(community, picard, "Shore leave", "Where shall we go?")
    answer = lemmy.comment(community, data, page["id"], "Risa, surely.")
    again = lemmy.comment(community, picard, answer["id"], "Risa it is.")
    # Only the deepest reply is delivered; its parent and the thread are fetched.
    announce = lemmy.announce(community, lemmy.create(community, picard, again))
    assert await lemmy.deliver(community, f"{a.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    [thread] = await a.api.items(ana, f"/api/v1/groups/{handle}/posts")
    assert (thread["uri"], thread["title"]) == (page["id"], "Shore leave")
    replies = await a.api.items(ana, f"/api/v1/posts/{thread['id']}/replies")
    parents = {r["uri"]: r["in_reply_to"] for r in replies}
    ids = {r["uri"]: r["id"] for r in replies}
    assert parents == {answer["id"]: thread["id"], again["id"]: ids[answer["id"]]}


async def test_a_reply_to_a_post_its_origin_no_longer_serves_is_still_kept(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    """The thread was deleted at its origin (404) before its reply reached us: the reply is
    not lost for that; it stands where it would have without the fetch."""
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)
    gone = f"{lemmy.origin}/post/{lemmy.serial()}"  # never published: the peer answers 404
    answer = lemmy.comment(community, picard, gone, "Was there a post here?")
    announce = lemmy.announce(community, lemmy.create(community, picard, answer))
    assert await lemmy.deliver(community, f"{a.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    assert (await _outcome(a, announce["id"]))[0] is QueueState.DONE
    assert [p["uri"] for p in await a.api.items(ana, f"/api/v1/groups/{handle}/posts")] == [
        answer["id"]
    ]


async def test_content_warnings_travel_both_ways(
    rig: Rig, mastodon: MastodonPeer, lemmy: LemmyPeer
) -> None:
    a = await rig.add_node("alpha")
    mo = await a.member("mo")
    await a.api.create_group(mo, "circle")
    group = await mastodon.resolve(f"circle@{a.domain}")
    felix, _ = await _mastodon_member(rig, mastodon, group, "felix")

    # A Mastodon CW arrives as the post's content warning ...
    create = mastodon.mention(felix, group, "It has been a year.", summary="bereavement")
    assert create["object"]["sensitive"] is True
    assert await mastodon.deliver(felix, shared_inbox(group), create) == 202
    await rig.settle()
    [post] = await a.api.items(mo, "/api/v1/groups/circle/posts")
    assert post["content_warning"] == "bereavement"

    # ... and a warning written here leaves as summary + sensitive.
    mine = await a.api.post(mo, "circle", "Some days are heavy.", content_warning="self-harm")
    await rig.settle()
    shared = {
        note["id"]: (note["summary"], note["sensitive"])
        for note in (r.activity["object"]["object"] for r in mastodon.received_of("Announce"))
    }
    assert shared == {
        create["object"]["id"]: ("bereavement", True),
        mine["uri"]: ("self-harm", True),
    }

    # Lemmy's NSFW (sensitive, no summary) is a content warning too, in both directions.
    ana = await a.member("ana")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)
    nsfw = lemmy.page(community, picard, "Hard night", "Details inside.", sensitive=True)
    assert "summary" not in nsfw
    announce = lemmy.announce(community, lemmy.create(community, picard, nsfw))
    assert await lemmy.deliver(community, f"{a.settings.base_url}/inbox", announce) == 202
    await rig.settle()
    [flagged] = await a.api.items(ana, f"/api/v1/groups/{handle}/posts")
    assert flagged["content_warning"] == SENSITIVE_WARNING
    await a.api.post(ana, handle, "Me too.", title="Same", content_warning="insomnia")
    await rig.settle()
    [sent] = lemmy.received_of("Create")
    assert (sent.activity["object"]["summary"], sent.activity["object"]["sensitive"]) == (
        "insomnia",
        True,
    )
