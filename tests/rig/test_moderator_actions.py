"""Moderators' acts across nodes: a removal undone, a locked thread, a held post, and the
same acts arriving from a Lemmy-shaped community."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from federation.tables import InboxItem, QueueState
from node.storage.models.posts import Post
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.shaped_peers import LemmyPeer, join_lemmy_community
from tests.shared_fixtures import activitypub_fixture


async def _three_nodes(rig: Rig) -> tuple[RigNode, RigNode, RigNode, str]:
    """``mo`` owns ``circle`` on alpha; ``bea`` (beta) and ``cal`` (gamma) have joined."""
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    for node, member in ((b, bea), (c, cal)):
        await node.api.join(member, circle)
    await rig.settle()
    return a, b, c, circle


async def _public_id(node: RigNode, uri: str) -> str | None:
    async with database_of(node) as session:
        return await session.scalar(select(Post.public_id).where(Post.uri == uri))


async def _shown(node: RigNode, member: Member, uri: str, **params: str) -> dict[str, Any]:
    """The post ``uri`` as ``node`` shows it to ``member``."""
    public_id = await _public_id(node, uri)
    assert public_id is not None, f"{node.name} holds no {uri}"
    answer = await node.api.call("GET", f"/api/v1/posts/{public_id}", as_=member, params=params)
    shown: dict[str, Any] = answer.expect(200)
    return shown


async def _titles(node: RigNode, member: Member, group: str) -> list[str]:
    return [t["title"] for t in await node.api.items(member, f"/api/v1/groups/{group}/posts")]


async def _inbox(node: RigNode) -> list[tuple[dict[str, Any], QueueState, str | None]]:
    """Every activity that reached ``node``'s inbox, how it ended, and why."""
    async with database_of(node) as session:
        items = (await session.scalars(select(InboxItem).order_by(InboxItem.id))).all()
    return [(json.loads(item.payload), item.state, item.last_error) for item in items]


def _announced(
    inbox: list[tuple[dict[str, Any], QueueState, str | None]], kind: str
) -> list[dict[str, Any]]:
    return [
        activity["object"]
        for activity, _, _ in inbox
        if activity["type"] == "Announce"
        and isinstance(activity["object"], dict)
        and activity["object"]["type"] == kind
    ]


def _same_shape(sent: dict[str, Any], captured: dict[str, Any]) -> list[str]:
    """Keys of Lemmy's ``captured`` activity that ``sent`` lacks or sends in another shape."""
    return [
        key
        for key, value in captured.items()
        if key != "id" and (key not in sent or type(sent[key]) is not type(value))
    ]


async def test_a_removed_post_comes_back_on_every_node_when_restored(rig: Rig) -> None:
    a, b, c, circle = await _three_nodes(rig)
    mo, bea, cal = a.members["mo"], b.members["bea"], c.members["cal"]
    post = await b.api.post(bea, circle, "I said too much yesterday", title="Yesterday")
    await rig.settle()
    on_a = await _shown(a, mo, post["uri"])
    removed = await a.api.call(
        "POST", f"/api/v1/posts/{on_a['id']}/remove", as_=mo, json={"reason": "identifying"}
    )
    removed.expect(204)
    await rig.settle()

    for node, member, group in ((b, bea, circle), (c, cal, circle)):
        shown = await _shown(node, member, post["uri"])
        assert (shown["deleted"], shown["removed"], shown["content_html"]) == (True, True, "")
        assert await _titles(node, member, group) == [], node.name
        async with database_of(node) as session:  # kept, not wiped: it can come back
            kept = await session.scalar(select(Post.title).where(Post.uri == post["uri"]))
        assert kept == "Yesterday", node.name
    whole = await _shown(a, mo, post["uri"], show_removed="true")
    assert (whole["removed"], whole["title"]) == (True, "Yesterday")

    restored = await a.api.call(
        "POST", f"/api/v1/posts/{on_a['id']}/restore", as_=mo, json={"reason": "she asked"}
    )
    assert restored.expect(200)["removed"] is False
    await rig.settle()
    for node, member, group in ((a, mo, "circle"), (b, bea, circle), (c, cal, circle)):
        shown = await _shown(node, member, post["uri"])
        assert (shown["deleted"], shown["removed"]) == (False, False), node.name
        assert shown["content_html"] == "<p>I said too much yesterday</p>", node.name
        assert await _titles(node, member, group) == ["Yesterday"], node.name

    # What travelled: the moderator's Undo of their Delete, announced by the group, in the
    # shape Lemmy sends (and reads).
    inbox = await _inbox(c)
    assert [(state, error) for _, state, error in inbox if state is not QueueState.DONE] == []
    [undo] = _announced(inbox, "Undo")
    captured = activitypub_fixture("lemmy/activities/deletion/undo_remove_note.json")
    assert _same_shape(undo, captured) == []
    assert _same_shape(undo["object"], captured["object"]) == []
    assert undo["actor"] == undo["object"]["actor"] == f"{a.settings.base_url}/members/mo"
    assert (undo["object"]["object"], undo["object"]["summary"]) == (post["uri"], "she asked")
    log = await a.api.items(None, "/api/v1/groups/circle/modlog")
    assert [(e["action"], e["reason"]) for e in log] == [
        ("restore_post", "she asked"),
        ("remove_post", "identifying"),
    ]


async def test_a_locked_thread_takes_no_replies_from_any_node(rig: Rig) -> None:
    a, b, c, _ = await _three_nodes(rig)
    mo, bea, cal = a.members["mo"], b.members["bea"], c.members["cal"]
    thread = await a.api.post(mo, "circle", "Let us talk about the news", title="News")
    await rig.settle()
    locked = await a.api.call(
        "POST", f"/api/v1/posts/{thread['id']}/lock", as_=mo, json={"reason": "too heated"}
    )
    assert locked.expect(200)["locked"] is True
    await rig.settle()

    # Bea's own node knows, and refuses at once.
    on_b = await _shown(b, bea, thread["uri"])
    assert on_b["locked"] is True
    refused = await b.api.call(
        "POST", f"/api/v1/posts/{on_b['id']}/replies", as_=bea, json={"body": "But…"}
    )
    assert refused.status == 403
    assert refused.json["detail"] == "this thread is locked: it takes no new replies"
    assert (await _shown(c, cal, thread["uri"]))["locked"] is True
    [lock] = _announced(await _inbox(b), "Lock")
    captured = activitypub_fixture("lemmy/activities/community/lock_page.json")
    assert _same_shape(lock, captured) == []
    assert (lock["object"], lock["summary"]) == (thread["uri"], "too heated")

    # A node that did not hear of the lock sends the reply anyway: the group's node refuses it.
    async with database_of(b) as session:
        await session.execute(update(Post).where(Post.uri == thread["uri"]).values(locked_at=None))
    sent = await b.api.reply(bea, on_b["id"], "Did anyone see this?")
    await rig.settle()
    outcomes = [
        (state, error)
        for activity, state, error in await _inbox(a)
        if isinstance(activity["object"], dict) and activity["object"].get("id") == sent["uri"]
    ]
    assert outcomes == [(QueueState.FAILED, "this thread is locked: it takes no new replies")]
    assert await _public_id(c, sent["uri"]) is None

    unlocked = await a.api.call(
        "DELETE", f"/api/v1/posts/{thread['id']}/lock", as_=mo, params={"reason": "calmer"}
    )
    assert unlocked.expect(200)["locked"] is False
    await rig.settle()
    assert (await _shown(b, bea, thread["uri"]))["locked"] is False
    answer = await c.api.reply(cal, (await _shown(c, cal, thread["uri"]))["id"], "Calmer now")
    await rig.settle()
    assert (await _shown(b, bea, answer["uri"]))["content_html"] == "<p>Calmer now</p>"
    [undo] = _announced(await _inbox(b), "Undo")
    captured = activitypub_fixture("lemmy/activities/community/undo_lock_page.json")
    assert _same_shape(undo, captured) == []
    assert _same_shape(undo["object"], captured["object"]) == []
    assert (undo["object"]["type"], undo["object"]["object"]) == ("Lock", thread["uri"])
    assert undo["summary"] == "calmer"


async def test_a_new_members_post_reaches_nobody_until_a_moderator_approves_it(
    rig: Rig,
) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, ada = await a.member("mo"), await a.member("ada")
    bea, cal = await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await a.api.join(ada, "circle")
    await c.api.join(cal, circle)
    await rig.settle()
    settings = await a.api.call(
        "PATCH", "/api/v1/groups/circle/settings", as_=mo, json={"hold_new_members_posts": True}
    )
    assert settings.expect(200)["hold_new_members_posts"] is True
    await b.api.join(bea, circle)  # joins after: a new member
    await rig.settle()

    held = await b.api.post(bea, circle, "Hello from beta", title="Hello")
    await rig.settle()
    assert await _titles(a, ada, "circle") == []
    assert await _titles(c, cal, circle) == []
    [waiting] = await a.api.items(mo, "/api/v1/groups/circle/held")
    assert (waiting["uri"], waiting["held"]) == (held["uri"], True)
    assert await _public_id(c, held["uri"]) is None
    # Cal was a member before pre-moderation began: trusted, his posts go out at once.
    await c.api.post(cal, circle, "Welcome, everyone", title="Welcome")
    await rig.settle()
    assert await _titles(a, ada, "circle") == ["Welcome"]

    approved = await a.api.call("POST", f"/api/v1/posts/{waiting['id']}/approve", as_=mo)
    assert approved.expect(200)["held"] is False
    await rig.settle()
    assert await _titles(a, ada, "circle") == ["Welcome", "Hello"]
    assert await _titles(c, cal, circle) == ["Welcome", "Hello"]
    assert (await _shown(c, cal, held["uri"]))["content_html"] == "<p>Hello from beta</p>"

    # Bea is trusted now: her next post is shared at once.
    await b.api.post(bea, circle, "Thank you all", title="Thanks")
    await rig.settle()
    assert (await _titles(c, cal, circle))[0] == "Thanks"
    assert await a.api.items(mo, "/api/v1/groups/circle/held") == []
    [entry, *_] = await a.api.items(mo, "/api/v1/groups/circle/modlog")
    assert (entry["action"], entry["target"]) == ("approve_post", held["uri"])


async def test_a_lemmy_community_locks_removes_and_restores_as_lemmy_does(
    rig: Rig, lemmy: LemmyPeer
) -> None:
    a = await rig.add_node("alpha")
    ana = await a.member("ana")
    community, picard = lemmy.community("tenforward"), lemmy.person("picard")
    handle = await join_lemmy_community(rig, lemmy, a, ana, community)
    inbox = f"{a.settings.base_url}/inbox"
    page = lemmy.page(community, picard, "Shore leave", "Where to?")
    assert (
        await lemmy.deliver(
            community, inbox, lemmy.announce(community, lemmy.create(community, picard, page))
        )
        == 202
    )
    await rig.settle()
    thread = await _shown(a, ana, page["id"])

    for activity in (lemmy.lock(community, picard, page["id"]),):
        assert await lemmy.deliver(community, inbox, lemmy.announce(community, activity)) == 202
    await rig.settle()
    assert (await _shown(a, ana, page["id"]))["locked"] is True
    refused = await a.api.call(
        "POST", f"/api/v1/posts/{thread['id']}/replies", as_=ana, json={"body": "Risa!"}
    )
    assert refused.status == 403
    unlock = lemmy.lock(community, picard, page["id"], undo=True)
    assert await lemmy.deliver(community, inbox, lemmy.announce(community, unlock)) == 202
    await rig.settle()
    assert (await _shown(a, ana, page["id"]))["locked"] is False
    await a.api.reply(ana, thread["id"], "Risa!")

    # Ana's post waits, hers alone, until the community announces it back (Lemmy does at
    # once, as it does to every follower); then Picard removes it (Lemmy's removal: his
    # Delete), then restores it.
    mine = await a.api.post(ana, handle, "Tribbles for sale", title="Tribbles")
    await rig.settle()
    assert (await _shown(a, ana, mine["uri"]))["pending"] is True
    [create] = [
        r.activity for r in lemmy.received_of("Create") if r.activity["object"]["id"] == mine["uri"]
    ]
    assert await lemmy.deliver(community, inbox, lemmy.announce(community, create)) == 202
    await rig.settle()
    assert (await _shown(a, ana, mine["uri"]))["pending"] is False
    removal = lemmy.removal(community, picard, mine["uri"])
    assert await lemmy.deliver(community, inbox, lemmy.announce(community, removal)) == 202
    await rig.settle()
    shown = await _shown(a, ana, mine["uri"])
    assert (shown["deleted"], shown["removed"], shown["content_html"]) == (True, True, "")
    restoring = lemmy.removal(community, picard, mine["uri"], undo=True)
    assert await lemmy.deliver(community, inbox, lemmy.announce(community, restoring)) == 202
    await rig.settle()
    shown = await _shown(a, ana, mine["uri"])
    assert (shown["removed"], shown["content_html"]) == (False, "<p>Tribbles for sale</p>")

    # A post Picard removes before the community shared it: not accepted, hers alone still.
    spam = await a.api.post(ana, handle, "Tribbles, cheap", title="More tribbles")
    await rig.settle()
    removal = lemmy.removal(community, picard, spam["uri"])
    assert await lemmy.deliver(community, inbox, lemmy.announce(community, removal)) == 202
    await rig.settle()
    shown = await _shown(a, ana, spam["uri"])
    assert (shown["pending"], shown["declined"], shown["content_html"]) == (
        True,
        True,
        "<p>Tribbles, cheap</p>",
    )
    others = await a.api.items(None, f"/api/v1/groups/{handle}/posts")
    assert spam["uri"] not in [item["uri"] for item in others]
    outcomes = [(state, error) for _, state, error in await _inbox(a)]
    assert all(state is QueueState.DONE and error is None for state, error in outcomes), outcomes
