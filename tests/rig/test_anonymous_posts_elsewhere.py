"""The anonymity crawl, across nodes: a member's anonymous posts in groups on another
Kinfolk node tell nobody there, or beyond, who wrote them.

Alpha hosts ``circle`` and ``vigil``; beta hosts ``porch``; all three take anonymous
posts. Wren, on beta, writes anonymously in all three: a thread in each group, a reply
in a thread of alpha's moderator, an edit, a deletion, a post the moderator removes.
Bea and Pip, also on beta, write anonymously in circle and vigil too (the controls:
other writers of the same node). Gamma and a Lemmy-shaped peer hold members of alpha's
groups; Gus, on gamma, follows Wren herself. Then:

- nothing alpha, gamma or the Lemmy-shaped peer received, and nothing anyone can fetch
  or read on any node (crawled as a visitor, a member, alpha's moderator and other
  nodes), holds Wren's actor id, username or display name;
- what beta sent about her posts is signed by beta's instance actor alone and went to
  alpha alone (not to her follower), and alpha passes her token on to nobody;
- no value ties her posts in two groups together beyond what two other writers of beta
  share (the node they write from): her token differs from group to group;
- a ban of her by token, by alpha's moderator, stops her next anonymous post into that
  group on beta, and on alpha when beta does not stop it.

Each new defence is switched off in turn (``DEFENCES``), and the crawl finds it out.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from federation.outbox.handlers import anonymous_posts as outbox_anonymous
from federation.protocol import anonymous_posts
from federation.remote.http import FetchError
from federation.tables import Delivery, OutgoingActivity
from node.posts import anonymous_moderation
from node.storage.models.actors import Actor
from node.storage.models.posts import Post
from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, Crawl, Visitor, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode, rows_of
from tests.rig.shaped_peers import LemmyPeer
from tests.rig.test_anonymous_posts import _lemmy_member
from web.keys import FEDERATION

WREN = "wrenfield"
WREN_NAME = "Wren Quietly"
ALLOW = {"allow_anonymous_posts": True}


@dataclass
class World:
    a: RigNode
    b: RigNode
    c: RigNode
    lemmy: LemmyPeer
    mo: Member
    zed: Member
    wren: Member
    bea: Member
    gus: Member
    # Wren's anonymous posts (as beta answered her), by name; and two of other writers.
    hers: dict[str, dict[str, Any]]
    controls: tuple[dict[str, Any], dict[str, Any]]

    @property
    def wren_uri(self) -> str:
        return f"{self.b.settings.base_url}/members/{WREN}"

    @property
    def secrets(self) -> list[str]:
        return [self.wren_uri, WREN, WREN_NAME]

    @property
    def groups(self) -> list[str]:
        return [f"circle@{self.a.domain}", f"vigil@{self.a.domain}"]


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


async def _copy(node: RigNode, member: Member, group: str, uri: str) -> Any:
    """``node``'s copy of the post ``uri`` in ``group``, as ``member`` lists it (or None)."""
    listed = await node.api.items(member, f"/api/v1/groups/{group}/posts")
    found = next((post for post in listed if post["uri"] == uri), None)
    if found is None:  # a reply: look in the thread
        for thread in listed:
            replies = await node.api.call(
                "GET", f"/api/v1/posts/{thread['id']}/replies", as_=member
            )
            if replies.status == 200:
                found = next((p for p in replies.json["items"] if p["uri"] == uri), found)
    return found


async def _world(rig: Rig, lemmy: LemmyPeer) -> World:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, zed = await a.member("mo"), await a.member("zed")
    wren, bea, pip, bo = [await b.member(n) for n in (WREN, "bea", "pip", "bo")]
    gus = await c.member("gus")
    named = {"display_name": WREN_NAME}
    (await b.api.call("PATCH", "/api/v1/accounts/me", as_=wren, json=named)).expect(200)
    for name in ("circle", "vigil"):
        await a.api.create_group(mo, name)
        settings = f"/api/v1/groups/{name}/settings"
        (await a.api.call("PATCH", settings, as_=mo, json=ALLOW)).expect(200)
        for member in (wren, bea, pip):
            await b.api.join(member, f"{name}@{a.domain}")
        await c.api.join(gus, f"{name}@{a.domain}")
        await _lemmy_member(
            lemmy, lemmy.person("picard"), await lemmy.resolve(f"{name}@{a.domain}")
        )
    await b.api.create_group(bo, "porch")
    (await b.api.call("PATCH", "/api/v1/groups/porch/settings", as_=bo, json=ALLOW)).expect(200)
    await b.api.join(wren, "porch")
    # Gus, on gamma, follows Wren herself.
    follow = f"/api/v1/members/{WREN}@{b.domain}/follow"
    (await c.api.call("POST", follow, as_=gus)).expect(200)
    await rig.settle()
    circle, vigil = f"circle@{a.domain}", f"vigil@{a.domain}"

    async def anonymous(member: Member, group: str, text: str) -> Any:
        return await b.api.post(member, group, text, title=text, anonymous=True)

    evenings = await a.api.post(mo, "circle", "Evenings", title="Evenings")
    await rig.settle()
    on_b = await _copy(b, wren, circle, evenings["uri"])
    hers = {
        "thread in circle": await anonymous(wren, circle, "Nights"),
        "thread in vigil": await anonymous(wren, vigil, "Mornings"),
        "thread in porch": await anonymous(wren, "porch", "Porch light"),
        "reply in circle": await b.api.reply(wren, on_b["id"], "Same here", anonymous=True),
    }
    await b.api.reply(bea, on_b["id"], "And me", anonymous=True)
    controls = (await anonymous(bea, circle, "Bea's"), await anonymous(pip, vigil, "Pip's"))
    await rig.settle()
    # Answered from gamma; edited; one deleted, one removed by alpha's moderator.
    copy = await _copy(c, gus, circle, hers["thread in circle"]["uri"])
    if copy is not None:
        await c.api.reply(gus, copy["id"], "I hear you")
    edit = {"body": "Nights, a little better"}
    path = f"/api/v1/posts/{hers['thread in circle']['id']}"
    (await b.api.call("PATCH", path, as_=wren, json=edit)).expect(200)
    hers["gone"] = gone = await anonymous(wren, circle, "Gone")
    hers["removed"] = removed = await anonymous(wren, vigil, "Removed")
    await rig.settle()
    (await b.api.call("DELETE", f"/api/v1/posts/{gone['id']}", as_=wren)).expect(204)
    on_a = await _copy(a, mo, "vigil", removed["uri"])
    if on_a is not None:
        reason = {"reason": "off topic"}
        path = f"/api/v1/posts/{on_a['id']}/remove"
        (await a.api.call("POST", path, as_=mo, json=reason)).expect(204)
    await rig.settle()
    return World(a, b, c, lemmy, mo, zed, wren, bea, gus, hers, controls)


async def _crawls(world: World) -> list[Crawl]:
    a, b, c = world.a, world.b, world.c
    handles = [*world.groups, "porch", f"porch@{b.domain}"]
    seeds = [post["uri"] for post in world.hers.values()]
    everywhere: list[tuple[RigNode, list[Visitor]]] = [
        (a, [ANONYMOUS, member_of(world.zed), member_of(world.mo), node_signing(c)]),
        (b, [ANONYMOUS, member_of(world.bea), node_signing(a), node_signing(c)]),
        (c, [ANONYMOUS, member_of(world.gus), node_signing(a)]),
    ]
    return [
        await crawl(node, visitor, seeds=seeds, handles=handles)
        for node, visitors in everywhere
        for visitor in visitors
    ]


async def _sent(node: RigNode, hosts: list[str]) -> list[dict[str, Any]]:
    """Every activity ``node`` queued for ``hosts``, with who signs it."""
    rows = await rows_of(
        node,
        select(OutgoingActivity.object_uri, OutgoingActivity.payload, Actor.uri, Delivery.host)
        .join(Delivery, Delivery.activity_id == OutgoingActivity.id)
        .join(Actor, Actor.id == OutgoingActivity.actor_id)
        .where(Delivery.host.in_(hosts)),
    )
    return [
        {"about": about or "", "activity": json.loads(payload), "signer": signer, "to": host}
        for about, payload, signer, host in rows
    ]


async def _values(world: World, post: dict[str, Any], sent: list[dict[str, Any]]) -> set[str]:
    """Every value others may see of ``post``: its document as another node fetches it, the
    activities about it (beta's and alpha's), and its API answers on alpha and gamma."""
    a, c = world.a, world.c
    assert c.server is not None
    values: set[str] = set()
    with contextlib.suppress(FetchError):  # not served (any more): nothing to see
        values |= set(_strings(await c.server.app[FEDERATION].fetch(post["uri"])))
    for entry in sent:
        if post["uri"] in json.dumps(entry["activity"]):
            values |= set(_strings(entry["activity"]))
    for node, member, groups in ((a, world.mo, ["circle", "vigil"]), (c, world.gus, world.groups)):
        for group in groups:
            copy = await _copy(node, member, group, post["uri"])
            values |= set(_strings(copy or {}))
    return {value for value in values if len(value) >= 4}


async def findings(world: World) -> list[str]:
    """Everything the crawl finds wrong (empty when anonymity holds)."""
    found: list[str] = []
    for result in await _crawls(world):
        for where, text in result.answers.items():
            url = urlsplit(where.rsplit(" ", 1)[-1])
            path = url.path
            asking_her = path == "/conversations/new" and f"to={WREN}" in url.query
            if (result.node is world.b or result.visitor.member is world.mo) and (
                path.endswith("/members") or f"/{WREN}" in path or asking_her
            ):
                # Being a member is not writing anonymously: her node, and the groups'
                # moderator, rightly see whom she joined, her profile and its "Ask to
                # talk" form, which names her.
                continue
            if result.visitor.member is world.gus and path.endswith("/following"):
                continue  # he follows her, and sees so
            found += [
                f"{s!r} in {where} ({result.visitor.label})" for s in world.secrets if s in text
            ]
    a, b = world.a, world.b
    from_b = await _sent(b, [a.domain, world.c.domain, world.lemmy.domain])
    from_a = await _sent(a, [b.domain, world.c.domain, world.lemmy.domain])
    instance = anonymous_posts.instance_actor_of(b.settings.base_url)
    for entry in from_b:
        text = json.dumps(entry["activity"])
        if not any(post["uri"] in text for post in world.hers.values()):
            continue
        found += [f"{s!r} sent by beta: {text[:300]}" for s in world.secrets if s in text]
        if entry["signer"] != instance:
            found.append(f"beta's {entry['activity']['type']} is signed by {entry['signer']}")
        if entry["to"] != a.domain:  # her follower on gamma, say
            found.append(f"beta sent {entry['activity']['type']} of hers to {entry['to']}")
    for entry in from_a:
        text = json.dumps(entry["activity"])
        if any(post["uri"] in text for post in world.hers.values()):  # not her joining
            found += [f"{s!r} sent by alpha: {text[:300]}" for s in world.secrets if s in text]
        if anonymous_posts.URN_PREFIX in text:
            found.append(f"alpha passed a writer's token on to {entry['to']}: {text[:300]}")
    for received in world.lemmy.received:
        text = json.dumps(received.activity)
        found += [f"{s!r} reached Lemmy: {text[:300]}" for s in world.secrets if s in text]
        if anonymous_posts.URN_PREFIX in text:
            found.append("a writer's token reached the Lemmy-shaped peer")
    sent = from_a + from_b
    first, second = world.hers["thread in circle"], world.hers["thread in vigil"]
    shared = await _values(world, first, sent) & await _values(world, second, sent)
    structural = await _values(world, world.controls[0], sent) & await _values(
        world, world.controls[1], sent
    )
    found += [f"{value!r} is shared by her posts in two groups" for value in shared - structural]
    return found


def _one_token_everywhere(secret: bytes, account_id: int, group_uri: str) -> str:
    return anonymous_posts.URN_PREFIX + f"{account_id:064x}"


DEFENCES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "sent by the node": lambda mp: mp.setattr(
        outbox_anonymous, "sender_of", lambda post, instance: post.author
    ),
    "a token per group": lambda mp: mp.setattr(
        anonymous_posts, "writer_token", _one_token_everywhere
    ),
}


async def test_anonymous_posts_in_groups_elsewhere_tell_nobody_who_wrote_them(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    world = await _world(rig, lemmy)
    a, b, c = world.a, world.b, world.c
    circle = f"circle@{a.domain}"
    nights = world.hers["thread in circle"]
    # Her posts did travel: shared by the group, as its anonymous member's, edited.
    for node, member, group in ((a, world.mo, "circle"), (c, world.gus, circle)):
        copy = await _copy(node, member, group, nights["uri"])
        assert copy is not None, f"{node.name} does not hold her post"
        assert (copy["content_html"], copy["anonymous"]) == (
            "<p>Nights, a little better</p>",
            True,
        )
        assert copy["author"]["id"] == f"{a.settings.base_url}/groups/circle"
    gone = await _copy(c, world.gus, circle, world.hers["gone"]["uri"])
    assert gone is None or gone["deleted"]
    # The removal by alpha's moderator reached her node: she sees her post removed.
    removed = world.hers["removed"]
    mine = (await b.api.call("GET", f"/api/v1/posts/{removed['id']}", as_=world.wren)).expect(200)
    assert mine["removed"] is True
    # Replies in one thread are numbered by writer; hers and Bea's differ.
    thread = await _copy(a, world.mo, "circle", world.hers["reply in circle"]["uri"])
    labels = [
        p["anonymous_label"]
        for p in (
            await a.api.call("GET", f"/api/v1/posts/{thread['thread']}/replies", as_=world.mo)
        ).expect(200)["items"]
    ]
    assert sorted(labels) == ["Anonymous 1", "Anonymous 2"]
    # A third node shows the group's numbers, so the conversation can be followed there too.
    on_c = await _copy(c, world.gus, circle, world.hers["reply in circle"]["uri"])
    assert on_c is not None
    replies_on_c = await c.api.call("GET", f"/api/v1/posts/{on_c['thread']}/replies", as_=world.gus)
    labels_on_c = [p["anonymous_label"] for p in replies_on_c.expect(200)["items"]]
    assert sorted(labels_on_c) == ["Anonymous 1", "Anonymous 2"]
    # She sees them as hers, on her own node, shared and no longer waiting.
    for post in (nights, world.hers["thread in vigil"], world.hers["thread in porch"]):
        mine = (await b.api.call("GET", f"/api/v1/posts/{post['id']}", as_=world.wren)).expect(200)
        assert (mine["author"]["handle"], mine["pending"]) == (WREN, False)
    # Her tokens differ from group to group.
    tokens = await rows_of(
        a,
        select(Post.anonymous_token).where(
            Post.uri.in_([nights["uri"], world.hers["thread in vigil"]["uri"]])
        ),
    )
    assert len({token for (token,) in tokens}) == 2
    found = await findings(world)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("defence", DEFENCES)
async def test_the_crawl_finds_each_defence_switched_off(
    rig: Rig, lemmy: LemmyPeer, monkeypatch: pytest.MonkeyPatch, defence: str
) -> None:
    DEFENCES[defence](monkeypatch)
    world = await _world(rig, lemmy)
    found = await findings(world)
    assert found != [], f"with {defence!r} off, the crawl found nothing"


async def test_a_ban_by_token_stops_her_next_anonymous_post_on_both_nodes(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alpha's moderator bans the writer of an anonymous post from beta without being told
    who: beta refuses her next anonymous post into the group (not Bea's, not hers under
    her name), and alpha refuses one that beta lets through all the same, until the ban
    is lifted."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo = await a.member("mo")
    wren, bea = await b.member(WREN), await b.member("bea")
    await a.api.create_group(mo, "circle")
    (await a.api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=ALLOW)).expect(200)
    circle = f"circle@{a.domain}"
    for member in (wren, bea):
        await b.api.join(member, circle)
    await rig.settle()
    first = await b.api.post(wren, circle, "Too much", title="Too much", anonymous=True)
    await rig.settle()
    on_a = await _copy(a, mo, "circle", first["uri"])
    reason = {"reason": "harsh words"}
    path = f"/api/v1/posts/{on_a['id']}/ban-writer"
    (await a.api.call("POST", path, as_=mo, json=reason)).expect(204)
    await rig.settle()

    post = {"body": "Again", "title": "Again", "anonymous": True}
    groups_posts = f"/api/v1/groups/{circle}/posts"
    refused = await b.api.call("POST", groups_posts, as_=wren, json=post)
    assert refused.status == 403
    assert "banned" in refused.json["detail"]
    # Bea's anonymous posts go on; so do Wren's under her own name.
    bea_post = await b.api.post(bea, circle, "Still here", title="Still here", anonymous=True)
    named = await b.api.post(wren, circle, "Sorry", title="Sorry")
    await rig.settle()
    assert await _copy(a, mo, "circle", bea_post["uri"]) is not None
    assert await _copy(a, mo, "circle", named["uri"]) is not None

    # Were beta not to stop her, alpha would: the token is banned there.
    monkeypatch.setattr(anonymous_moderation, "require_own_not_banned", _not_checked)
    slipped = await b.api.post(wren, circle, "Once more", title="Once more", anonymous=True)
    await rig.settle()
    assert await _copy(a, mo, "circle", slipped["uri"]) is None
    mine = (await b.api.call("GET", f"/api/v1/posts/{slipped['id']}", as_=wren)).expect(200)
    assert mine["pending"] is True
    monkeypatch.undo()

    # The moderator lifts the ban: both nodes let her write anonymously there again.
    (await a.api.call("DELETE", path, as_=mo, json={"reason": "talked it over"})).expect(204)
    await rig.settle()
    back = await b.api.post(wren, circle, "Thank you", title="Thank you", anonymous=True)
    await rig.settle()
    assert await _copy(a, mo, "circle", back["uri"]) is not None


async def _not_checked(session: Any, group_id: int, author_id: int) -> None:
    return None


async def test_only_a_kinfolk_node_itself_sends_anonymous_posts_into_a_group(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    """A writer's token is believed only from the instance actor of the post's own origin,
    sent straight to the group's node: a person (on Lemmy, say) cannot slip a post in as
    the group's anonymous member."""
    a = await rig.add_node("alpha")
    mo = await a.member("mo")
    await a.api.create_group(mo, "circle")
    (await a.api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=ALLOW)).expect(200)
    picard = lemmy.person("picard")
    group = await lemmy.resolve(f"circle@{a.domain}")
    assert group["anonymousPosts"] is True
    await _lemmy_member(lemmy, picard, group)
    await rig.settle()
    post = {
        "id": f"{lemmy.origin}/post/1",
        "type": "Page",
        "name": "Not me",
        "content": "<p>Words put in the group's mouth</p>",
        "attributedTo": group["id"],
        "audience": group["id"],
        "to": [group["id"], "https://www.w3.org/ns/activitystreams#Public"],
        "anonymousToken": anonymous_posts.URN_PREFIX + "00" * 32,
    }
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{lemmy.origin}/activities/create/1",
        "type": "Create",
        "actor": picard.uri,
        "to": post["to"],
        "audience": group["id"],
        "object": post,
    }
    assert await lemmy.deliver(picard, group["inbox"], create) == 202
    await rig.settle()
    listed = await a.api.items(mo, "/api/v1/groups/circle/posts")
    assert [p for p in listed if p["uri"] == post["id"]] == []
