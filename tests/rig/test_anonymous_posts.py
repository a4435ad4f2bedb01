"""The anonymity crawl: a member's anonymous posts tell nobody who wrote them.

Alpha hosts two public groups that allow anonymous posts, ``circle`` and ``vigil``;
Wren, on alpha, writes anonymously in both, in several threads: replies beside other
anonymous writers, a thread she edits, one she deletes, one a moderator removes before
banning its writer. Beta and gamma hold members of both groups, a Lemmy-shaped peer a
member of both, and a Mastodon-shaped account follows Wren herself. Then:

- nothing any of them received (activities, the keys that signed them), and nothing
  they or anyone can fetch or read on any node (pages, API, ActivityPub documents and
  collections, WebFinger, NodeInfo, the groups' outboxes and logs; crawled as a visitor,
  a member, a moderator of the groups and another node) holds Wren's actor id,
  username or display name;
- no value ties her anonymous posts in different threads and groups together: every
  value shared by two of them (in their documents, the activities about them, their API
  answers) is shared as well by two anonymous posts of different people;
- the Mastodon account that follows her gets none of them.

Each defence is switched off in turn (``DEFENCES``), and the crawl then finds it out.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from federation.outbox.handlers import posts as outbox_posts
from federation.remote.http import FetchError
from federation.tables import Delivery, OutgoingActivity
from node.posts import anonymity
from node.storage.models.actors import Actor
from tests.api_client import Member
from tests.rig.crawl import ANONYMOUS, Crawl, Visitor, crawl, member_of, node_signing
from tests.rig.rig import Rig, RigNode, rows_of
from tests.rig.shaped_peers import LemmyPeer, MastodonPeer, PeerActor, join_lemmy_community
from web.keys import FEDERATION
from web.pages.session import SESSION_COOKIE

WREN = "wrenfield"
WREN_NAME = "Wren Quietly"
ALLOW = {"allow_anonymous_posts": True}


@dataclass
class World:
    a: RigNode
    b: RigNode
    c: RigNode
    lemmy: LemmyPeer
    mastodon: MastodonPeer
    mo: Member
    al: Member
    zed: Member
    wren: Member
    bea: Member
    gus: Member
    # Wren's anonymous posts, by name; and anonymous posts of others, for comparison.
    hers: dict[str, dict[str, Any]]
    controls: tuple[dict[str, Any], dict[str, Any]]

    @property
    def wren_uri(self) -> str:
        return f"{self.a.settings.base_url}/members/{WREN}"

    @property
    def secrets(self) -> list[str]:
        return [self.wren_uri, WREN, WREN_NAME]


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


async def _lemmy_member(lemmy: LemmyPeer, person: PeerActor, group: dict[str, Any]) -> None:
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{lemmy.origin}/activities/follow/{uuid.uuid4()}",
        "type": "Follow",
        "actor": person.uri,
        "object": group["id"],
        "to": [group["id"]],
    }
    assert await lemmy.deliver(person, group["inbox"], follow) == 202


async def _copy(node: RigNode, member: Member, group: str, uri: str) -> Any:
    """``node``'s copy of the post ``uri`` in ``group``, as ``member`` lists it (or None)."""
    listed = await node.api.items(member, f"/api/v1/groups/{group}/posts")
    return next((post for post in listed if post["uri"] == uri), None)


async def _world(rig: Rig, lemmy: LemmyPeer, mastodon: MastodonPeer) -> World:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, al, zed, wren = [await a.member(n) for n in ("mo", "al", "zed", WREN)]
    bea, gus = await b.member("bea"), await c.member("gus")
    named = {"display_name": WREN_NAME}
    (await a.api.call("PATCH", "/api/v1/accounts/me", as_=wren, json=named)).expect(200)
    for name in ("circle", "vigil"):
        await a.api.create_group(mo, name)
        settings = f"/api/v1/groups/{name}/settings"
        (await a.api.call("PATCH", settings, as_=mo, json=ALLOW)).expect(200)
        for member in (al, wren):
            await a.api.join(member, name)
        await b.api.join(bea, f"{name}@{a.domain}")
        await c.api.join(gus, f"{name}@{a.domain}")
        await _lemmy_member(
            lemmy, lemmy.person("picard"), await lemmy.resolve(f"{name}@{a.domain}")
        )
    # Someone on Mastodon follows Wren herself.
    felix = mastodon.person("felix")
    wren_actor = await mastodon.resolve(f"{WREN}@{a.domain}")
    follow = mastodon.follow(felix, wren_actor["id"])
    assert await mastodon.deliver(felix, wren_actor["inbox"], follow) == 202
    await rig.settle()

    async def anonymous(
        member: Member, parent: dict[str, Any] | None, text: str, group: str = ""
    ) -> Any:
        if parent is None:
            return await a.api.post(member, group, text, title=text, anonymous=True)
        return await a.api.reply(member, parent["id"], text, anonymous=True)

    # Two threads where others write anonymously too, so labels differ between them.
    evenings = await anonymous(mo, None, "Evenings", "circle")
    hers = {"reply in circle": await anonymous(wren, evenings, "Same here")}
    control_circle = await anonymous(al, evenings, "And me")
    mornings = await anonymous(al, None, "Mornings", "vigil")
    control_vigil = await anonymous(mo, mornings, "Early riser")
    hers["reply in vigil"] = await anonymous(wren, mornings, "Me too")
    # A thread of her own, answered from beta, supported from gamma, edited.
    hers["thread in circle"] = nights = await anonymous(wren, None, "Nights", "circle")
    await rig.settle()
    # (With a defence off, a node may refuse the post: then there is nothing to answer.)
    copy = await _copy(b, bea, f"circle@{a.domain}", nights["uri"])
    if copy is not None:
        await b.api.reply(bea, copy["id"], "I hear you")
        await rig.settle()
    copy = await _copy(c, gus, f"circle@{a.domain}", nights["uri"])
    if copy is not None:
        (await c.api.call("PUT", f"/api/v1/posts/{copy['id']}/support", as_=gus)).expect(200)
    edit = {"body": "Nights, a little better"}
    (await a.api.call("PATCH", f"/api/v1/posts/{nights['id']}", as_=wren, json=edit)).expect(200)
    # One she deletes, one the moderator removes before banning its writer unseen.
    gone = await anonymous(wren, None, "Gone", "vigil")
    removed = await anonymous(wren, None, "Removed", "circle")
    await rig.settle()
    (await a.api.call("DELETE", f"/api/v1/posts/{gone['id']}", as_=wren)).expect(204)
    reason = {"reason": "off topic"}
    path = f"/api/v1/posts/{removed['id']}"
    (await a.api.call("POST", f"{path}/remove", as_=mo, json=reason)).expect(204)
    (await a.api.call("POST", f"{path}/ban-writer", as_=mo, json=reason)).expect(204)
    await rig.settle()
    hers.update(gone=gone, removed=removed)
    return World(
        a, b, c, lemmy, mastodon, mo, al, zed, wren, bea, gus, hers, (control_circle, control_vigil)
    )


async def _crawls(world: World) -> list[Crawl]:
    a, b, c = world.a, world.b, world.c
    handles = [f"circle@{a.domain}", f"vigil@{a.domain}"]
    seeds = [post["uri"] for post in world.hers.values()]
    everywhere: list[tuple[RigNode, list[Visitor]]] = [
        (
            a,
            [
                ANONYMOUS,
                member_of(world.zed),
                member_of(world.mo),
                node_signing(b),
                node_signing(c),
            ],
        ),
        (b, [ANONYMOUS, member_of(world.bea), node_signing(c)]),
        (c, [ANONYMOUS, member_of(world.gus), node_signing(b)]),
    ]
    return [
        await crawl(node, visitor, seeds=seeds, handles=handles)
        for node, visitors in everywhere
        for visitor in visitors
    ]


def _member_list(path: str, query: str) -> bool:
    """Where a group's members (its moderator among them) rightly see who belongs to it,
    and go on to a member's profile and its "Ask to talk" form, which names her: being a
    member is not writing anonymously."""
    asking_her = path == "/conversations/new" and f"to={WREN}" in query
    return path.endswith("/members") or f"/members/{WREN}" in path or asking_her


async def _received(world: World) -> dict[str, list[dict[str, Any]]]:
    """Every activity alpha sent to beta, gamma and the Lemmy-shaped peer, with the key
    that signs it, by the post it is about (as alpha queued it, and as Lemmy got it)."""
    a = world.a
    # Not the Mastodon account that follows her: it knows whom it follows (her Accept).
    hosts = [world.b.domain, world.c.domain, world.lemmy.domain]
    rows = await rows_of(
        a,
        select(OutgoingActivity.object_uri, OutgoingActivity.payload, Actor.uri, Delivery.host)
        .join(Delivery, Delivery.activity_id == OutgoingActivity.id)
        .join(Actor, Actor.id == OutgoingActivity.actor_id)
        .where(Delivery.host.in_(hosts)),
    )
    sent: dict[str, list[dict[str, Any]]] = {}
    for object_uri, payload, signer, host in rows:
        entry = {"activity": json.loads(payload), "key": f"{signer}#main-key", "to": host}
        sent.setdefault(object_uri or "", []).append(entry)
    posts = [*world.hers.values(), *world.controls]
    for received in world.lemmy.received:
        about = json.dumps(received.activity)
        for post in posts:
            if post["uri"] in about:
                entry = {"activity": received.activity, "key": received.key_id}
                sent.setdefault(post["uri"], []).append(entry)
    return sent


async def _values(
    world: World, post: dict[str, Any], sent: dict[str, list[dict[str, Any]]]
) -> set[str]:
    """Every value others may see of ``post``: its document as another node fetches it, the
    activities about it, and its API answers on alpha and beta."""
    a, b = world.a, world.b
    assert b.server is not None
    values: set[str] = set()
    with contextlib.suppress(FetchError):  # a deleted or removed post: nothing to see
        values |= set(_strings(await b.server.app[FEDERATION].fetch(post["uri"])))
    for entry in sent.get(post["uri"], []):
        values |= set(_strings(entry))
    for member in (world.zed, world.mo):
        answer = await a.api.call("GET", f"/api/v1/posts/{post['id']}", as_=member)
        if answer.status == 200:
            values |= set(_strings(answer.json))
    return {value for value in values if len(value) >= 4}


async def findings(world: World) -> list[str]:
    """Everything the crawl finds wrong (empty when anonymity holds)."""
    found: list[str] = []
    for result in await _crawls(world):
        moderating = result.visitor.member is world.mo and result.node is world.a
        for where, text in result.answers.items():
            url = urlsplit(where.rsplit(" ", 1)[-1])
            if moderating and _member_list(url.path, url.query):
                continue
            found += [
                f"{s!r} in {where} ({result.visitor.label})" for s in world.secrets if s in text
            ]
    sent = await _received(world)
    for about, entries in sent.items():
        for entry in entries:
            text = json.dumps(entry)
            found += [f"{s!r} sent about {about}: {text[:300]}" for s in world.secrets if s in text]
    if world.mastodon.received_of("Create") or world.mastodon.received_of("Update"):
        found.append("Wren's follower on Mastodon received her anonymous posts")
    first, second = world.hers["reply in circle"], world.hers["reply in vigil"]
    shared = await _values(world, first, sent) & await _values(world, second, sent)
    structural = await _values(world, world.controls[0], sent) & await _values(
        world, world.controls[1], sent
    )
    found += [f"{value!r} is shared by her posts in two groups" for value in shared - structural]
    return found


DEFENCES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "views name the group": lambda mp: mp.setattr(
        anonymity, "shown_author", lambda post, viewer, author, group: author
    ),
    "activities are the group's": lambda mp: mp.setattr(
        outbox_posts, "speaker_of", lambda post: post.author
    ),
    "not sent to followers": lambda mp: mp.setattr(
        outbox_posts, "reaches_followers", lambda post: True
    ),
    "logs name nobody": lambda mp: mp.setattr(
        anonymity, "logged_author_id", lambda post: post.author_id
    ),
    "labels are per thread": lambda mp: mp.setattr(anonymity, "label_in_thread", _label_per_member),
}


async def _label_per_member(session: Any, author_id: int, parent: Any) -> int:
    return 100 + author_id


async def test_nothing_ties_anonymous_posts_to_their_writer(
    rig: Rig, lemmy: LemmyPeer, mastodon: MastodonPeer
) -> None:
    world = await _world(rig, lemmy, mastodon)
    a, b = world.a, world.b
    # Her posts did travel, as the group's, with her edit and her deletion.
    sent = await _received(world)
    assert sent[world.hers["thread in circle"]["uri"]]
    nights = await _copy(b, world.bea, f"circle@{a.domain}", world.hers["thread in circle"]["uri"])
    assert (nights["content_html"], nights["anonymous"]) == ("<p>Nights, a little better</p>", True)
    assert nights["author"]["id"] == f"{a.settings.base_url}/groups/circle"
    gone = await _copy(b, world.bea, f"vigil@{a.domain}", world.hers["gone"]["uri"])
    assert gone is None or gone["deleted"]
    # She sees them as hers, on her own node.
    mine = (
        await a.api.call("GET", f"/api/v1/posts/{nights['uri'].rsplit('/', 1)[1]}", as_=world.wren)
    ).expect(200)
    assert (mine["author"]["handle"], mine["anonymous_label"]) == (WREN, "Anonymous 1")
    found = await findings(world)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("defence", DEFENCES)
async def test_the_crawl_finds_each_defence_switched_off(
    rig: Rig,
    lemmy: LemmyPeer,
    mastodon: MastodonPeer,
    monkeypatch: pytest.MonkeyPatch,
    defence: str,
) -> None:
    DEFENCES[defence](monkeypatch)
    world = await _world(rig, lemmy, mastodon)
    found = await findings(world)
    assert found != [], f"with {defence!r} off, the crawl found nothing"


async def test_groups_elsewhere_that_do_not_take_them_get_no_anonymous_posts(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    """Only a Kinfolk group whose actor says it takes anonymous posts gets them from
    another node (tests/rig/test_anonymous_posts_elsewhere.py): one that does not, and a
    group on other software (which could not be trusted to keep the writer unnamed),
    never do. The API refuses, and the form says why instead of offering the choice."""
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()
    tenforward = await join_lemmy_community(rig, lemmy, b, bea, lemmy.community("tenforward"))
    for group in (circle, tenforward):
        refused = await b.api.call(
            "POST",
            f"/api/v1/groups/{group}/posts",
            as_=bea,
            json={"body": "Hard night", "title": "Tonight", "anonymous": True},
        )
        assert refused.status == 422
        assert refused.json["errors"][0]["field"] == "anonymous"
        assert "other Kinfolk node that takes them" in refused.json["detail"]
        assert b.client is not None
        cookie = {"Cookie": f"{SESSION_COOKIE}={bea.token}"}
        async with b.client.get(f"/groups/{group}/compose", headers=cookie) as page:
            text = await page.text()
        assert "This group does not take anonymous posts" in text
        assert 'name="anonymous"' not in text
    assert not lemmy.received_of("Create")
