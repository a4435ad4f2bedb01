"""Our activities dereferenced by their ids, as another server (or anyone) fetches them.

A post's ``Create`` (on its author's node) and its group's ``Announce`` of it (on
the group's node) answer while the post itself is served whole, with the post as it
is now, and in a private group only to the nodes that may read it; every other kind
(follows, acceptances, support, reports) answers 404 to everyone.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from federation.remote.http import FetchError
from federation.tables import OutgoingActivity
from node.storage.models.posts import Post
from tests.jsonld import expand_all, undefined_terms
from tests.rig.rig import Rig, RigNode, database_of, rows_of
from web.keys import FEDERATION

AS2 = {"Accept": "application/activity+json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def _sent(node: RigNode) -> list[dict[str, Any]]:
    """Every activity the node keeps of what it sent."""
    rows = await rows_of(node, select(OutgoingActivity.payload))
    return [json.loads(payload) for (payload,) in rows]


def _post_of(activity: dict[str, Any]) -> str | None:
    """The post a Create/Update (or an Announce of one) carries, by its id."""
    inner = activity["object"]
    if activity["type"] == "Announce" and isinstance(inner, dict):
        inner = inner.get("object")
    return inner.get("id") if isinstance(inner, dict) else None


async def _one(node: RigNode, kind: str, post_uri: str) -> str:
    """The id of the one ``kind`` activity the node sent about ``post_uri``."""
    (found,) = [a["id"] for a in await _sent(node) if a["type"] == kind and _post_of(a) == post_uri]
    return str(found)


async def _of_kind(node: RigNode, *kinds: str) -> list[str]:
    return [a["id"] for a in await _sent(node) if a["type"] in kinds]


async def _unsigned(node: RigNode, url: str, accept: str = AS2["Accept"]) -> tuple[int, Any]:
    """``url`` fetched by a plain client (no signature): the status and the document."""
    assert node.client is not None
    async with node.client.session.get(url, headers={"Accept": accept}) as response:
        if response.status != 200:
            return response.status, None
        assert response.content_type == "application/activity+json"
        return 200, await response.json(content_type=None)


async def _signed(node: RigNode, url: str) -> dict[str, Any] | int:
    """``url`` fetched with ``node``'s own signed GET: the document, or the error status."""
    assert node.server is not None
    try:
        return await node.server.app[FEDERATION].fetch(url)
    except FetchError as refused:
        return refused.status or 0


async def _posts(node: RigNode, member: Any, group: str) -> dict[str, Any]:
    answer = await node.api.call("GET", f"/api/v1/groups/{group}/posts", as_=member)
    return {item["uri"]: item for item in answer.expect(200)["items"]}


async def _hide_as_held(node: RigNode, post_uri: str) -> None:
    """Whatever hides a post (here: held for a moderator, set directly) hides its activities."""
    async with database_of(node) as session:
        await session.execute(update(Post).where(Post.uri == post_uri).values(held_at=node.clock()))


async def _assert_every_term_defined(*nodes: RigNode) -> None:
    """Every activity the nodes sent keeps all its terms through JSON-LD expansion, as
    Fedify reads them (``sensitive`` was once lost from every post delivered)."""
    for node in nodes:
        for activity in await _sent(node):
            assert undefined_terms(expand_all(activity)) == set(), activity


async def test_a_public_posts_create_and_announce_are_served_while_the_post_is(rig: Rig) -> None:
    a = await rig.add_node("alpha", authorized_fetch=True)
    b, c = await rig.add_node("beta"), await rig.add_node("gamma")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()
    thread = await b.api.post(bea, circle, "Sundays are hard.", title="Sundays")
    regret = await b.api.post(bea, circle, "I regret this.", title="Regret")
    later = await b.api.post(bea, circle, "Walks help.", title="Walks")
    mine = await a.api.post(mo, "circle", "Welcome, everyone.", title="Welcome")
    await rig.settle()

    create = await _one(b, "Create", thread["uri"])
    announce = await _one(a, "Announce", thread["uri"])
    assert create.startswith(f"{b.settings.base_url}/activities/")
    assert announce.startswith(f"{a.settings.base_url}/activities/")

    # The author's node serves her Create to anyone; the group's node, which asks for
    # signed reads, its Announce to any node that signs.
    status, served = await _unsigned(b, create)
    assert status == 200
    assert (served["id"], served["type"], served["actor"]) == (
        create,
        "Create",
        f"{b.settings.base_url}/members/bea",
    )
    assert served["object"]["id"] == thread["uri"]
    assert served["object"]["content"] == "<p>Sundays are hard.</p>"
    assert PUBLIC in served["to"]
    assert undefined_terms(expand_all(served)) == set()
    assert (await _unsigned(a, announce))[0] == 401
    assert (await _unsigned(a, announce, accept="*/*"))[0] == 401  # no page to fall back on
    shared = await _signed(c, announce)
    assert isinstance(shared, dict)
    assert (shared["type"], shared["actor"]) == ("Announce", f"{a.settings.base_url}/groups/circle")
    assert (shared["object"]["type"], shared["object"]["object"]["id"]) == ("Create", thread["uri"])
    assert undefined_terms(expand_all(shared)) == set()

    # The post as it is now, not as it was sent: an edit shows in the Create too.
    edited = await b.api.call(
        "PATCH", f"/api/v1/posts/{thread['id']}", as_=bea, json={"body": "Sundays are better now."}
    )
    edited.expect(200)
    await rig.settle()
    status, served = await _unsigned(b, create)
    assert served["object"]["content"] == "<p>Sundays are better now.</p>"
    assert "hard" not in json.dumps(served)
    shared = await _signed(c, announce)
    assert isinstance(shared, dict)
    assert shared["object"]["object"]["content"] == "<p>Sundays are better now.</p>"

    # Follows, acceptances, support and reports are nobody's to read, even the other side's.
    on_b = (await _posts(b, bea, circle))[mine["uri"]]
    (await b.api.call("PUT", f"/api/v1/posts/{on_b['id']}/support", as_=bea)).expect(200)
    report = {"post_id": on_b["id"], "reason": "testing", "forward": True}
    (await b.api.call("POST", "/api/v1/reports", as_=bea, json=report)).expect(201)
    await rig.settle()
    private_on_b = await _of_kind(b, "Follow", "Like", "Flag")
    private_on_a = await _of_kind(a, "Accept") + [
        x["id"] for x in await _sent(a) if x["type"] == "Announce" and x["object"]["type"] == "Like"
    ]
    assert len(private_on_b) == 3
    assert len(private_on_a) == 2
    for uri in private_on_b:
        assert (await _unsigned(b, uri))[0] == 404, uri
        assert await _signed(a, uri) == 404, uri
    for uri in private_on_a:
        assert await _signed(b, uri) == 404, uri

    # A post removed by the group's moderator: its activities are gone with it.
    on_a = (await _posts(a, mo, "circle"))[thread["uri"]]
    removal = {"reason": "off topic"}
    path = f"/api/v1/posts/{on_a['id']}/remove"
    (await a.api.call("POST", path, as_=mo, json=removal)).expect(204)
    await rig.settle()
    assert (await _unsigned(b, create))[0] == 404
    assert await _signed(a, create) == 404
    assert await _signed(c, announce) == 404

    # A post its author deleted: nothing of its wiped text comes back, nor its author.
    regret_create = await _one(b, "Create", regret["uri"])
    regret_announce = await _one(a, "Announce", regret["uri"])
    assert (await _unsigned(b, regret_create))[0] == 200
    (await b.api.call("DELETE", f"/api/v1/posts/{regret['id']}", as_=bea)).expect(204)
    await rig.settle()
    assert (await _unsigned(b, regret_create))[0] == 404
    assert await _signed(c, regret_announce) == 404
    assert await _of_kind(b, "Delete")  # sent, but not served
    for uri in await _of_kind(b, "Delete"):
        assert (await _unsigned(b, uri))[0] == 404

    # A post hidden on either node (held for a moderator) hides its activities there.
    later_create = await _one(b, "Create", later["uri"])
    later_announce = await _one(a, "Announce", later["uri"])
    assert isinstance(await _signed(c, later_announce), dict)
    await _hide_as_held(a, later["uri"])
    assert await _signed(c, later_announce) == 404
    assert (await _unsigned(b, later_create))[0] == 200
    await _hide_as_held(b, later["uri"])
    assert (await _unsigned(b, later_create))[0] == 404
    await _assert_every_term_defined(a, b)


async def test_a_private_groups_activities_are_served_to_its_members_nodes_only(
    rig: Rig,
) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "haven", visibility="private")
    haven = f"haven@{a.domain}"
    await b.api.join(bea, haven)
    await rig.settle()
    assert await b.api.membership(bea, haven) == "approved"
    thread = await b.api.post(bea, haven, "Only for us.", title="Between us")
    await rig.settle()
    create = await _one(b, "Create", thread["uri"])
    announce = await _one(a, "Announce", thread["uri"])

    # Nobody unsigned, and no node without a member, reads either.
    assert (await _unsigned(b, create))[0] == 404
    assert (await _unsigned(a, announce))[0] == 404
    assert await _signed(c, create) == 404
    assert await _signed(c, announce) == 404
    # The group's node reads its member's Create; a member's node the group's Announce.
    served = await _signed(a, create)
    assert isinstance(served, dict)
    assert served["object"]["content"] == "<p>Only for us.</p>"
    assert PUBLIC not in served["to"] + served["cc"]
    shared = await _signed(b, announce)
    assert isinstance(shared, dict)
    assert shared["object"]["object"]["id"] == thread["uri"]
    assert PUBLIC not in shared["to"] + shared["cc"]
    await _assert_every_term_defined(a, b)


async def test_every_moderators_activity_keeps_its_terms_for_json_ld_peers(rig: Rig) -> None:
    """Locks, removals, pins, bans with an end, rejections of held posts: what a group's
    moderators do travels as activities whose every term a JSON-LD peer can read."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()
    thread = await a.api.post(mo, "circle", "Welcome", title="Welcome")
    reason = {"reason": "for now"}
    for verb in ("lock", "remove", "restore"):
        answer = await a.api.call(
            "POST", f"/api/v1/posts/{thread['id']}/{verb}", as_=mo, json=reason
        )
        assert answer.status in {200, 204}, answer
    (await a.api.call("PUT", f"/api/v1/posts/{thread['id']}/pin", as_=mo)).expect(200)
    await rig.settle()  # shared with Bea's node while she is a member
    ban = {"reason": "a break", "until": "2099-01-01T00:00:00Z"}
    (
        await a.api.call("POST", f"/api/v1/groups/circle/bans/bea@{b.domain}", as_=mo, json=ban)
    ).expect(200)
    await rig.settle()
    (await a.api.call("DELETE", f"/api/v1/groups/circle/bans/bea@{b.domain}", as_=mo)).expect(204)
    await rig.settle()
    sent = {activity["type"] for activity in await _sent(a)}
    inner = {a_["object"]["type"] for a_ in await _sent(a) if isinstance(a_.get("object"), dict)}
    assert {"Lock", "Delete", "Undo", "Add", "Block"} <= sent | inner, (sent, inner)
    await _assert_every_term_defined(a, b)
