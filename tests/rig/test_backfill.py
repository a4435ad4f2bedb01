"""Joining a group on another node shows the group as it is, not empty: its recent threads,
its pins, its rules and its moderators, read in the background once the group lets the
member in; a private group's only for its members, and only what its node serves."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from federation.remote import backfill
from federation.tables import GroupSync, QueueState
from node.storage.models.posts import Post
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, count, rows_of
from tests.rig.test_group_outbox import AS2, RULES, circle_with_threads
from tests.web.test_pages import page, submit
from web import activitypub


async def _titles(node: RigNode, member: Member | None, path: str) -> list[str]:
    return [post["title"] for post in await node.api.items(member, path)]


async def test_joining_a_group_elsewhere_brings_its_threads_pins_rules_and_moderators(
    rig: Rig,
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    posted = await circle_with_threads(a, mo)
    # What anyone reading the group on A does not see is not brought over either.
    gone = await a.api.post(mo, "circle", "Posted in the wrong group.", title="Removed one")
    removed = await a.api.call(
        "POST", f"/api/v1/posts/{gone['id']}/remove", as_=mo, json={"reason": "off topic"}
    )
    removed.expect(204)
    await rig.settle()
    circle = f"circle@{a.domain}"

    # Found by its handle, the group shows its rules at once, before anyone joins (what the
    # find-group page promises), and its moderators as soon as they are read.
    found = await b.api.call("POST", "/api/v1/groups/lookup", as_=bea, json={"ref": circle})
    rules = [(r["title"], r["description"]) for r in found.expect(200)["rules"]]
    assert rules == [(r["title"], r["description"]) for r in RULES]
    await rig.settle()
    mods = (await b.api.call("GET", f"/api/v1/groups/{circle}/moderators")).expect(200)
    assert [m["acct"] for m in mods["items"]] == [f"mo@{a.domain}"]
    assert await _titles(b, bea, f"/api/v1/groups/{circle}/posts") == []  # not joined yet

    await b.api.join(bea, circle)
    await rig.settle()

    threads = await _titles(b, bea, f"/api/v1/groups/{circle}/posts")
    assert threads == ["Small wins", "Sundays", "Welcome, read me"]
    assert await _titles(b, bea, f"/api/v1/groups/{circle}/pinned") == ["Welcome, read me"]
    [on_b] = [
        t
        for t in await b.api.items(bea, f"/api/v1/groups/{circle}/posts")
        if t["title"] == "Sundays"
    ]
    assert on_b["uri"] == posted["Sundays"]["uri"]
    # Threads only: Lemmy's outbox and ours carry no replies (they come as they are made).
    assert await b.api.items(bea, f"/api/v1/posts/{on_b['id']}/replies") == []

    # The group's page on B shows what A's shows: threads, the pin, rules and moderators.
    assert b.client is not None
    status, html = await page(b.client, "/groups/" + quote(circle, safe="@:"))
    assert status == 200
    for text in (
        "Small wins",
        "Sundays",
        "Welcome, read me",
        "Pinned",
        "Be gentle",
        "What is shared here stays here.",
        "No advice unless asked",
        f"@mo@{a.domain}",
    ):
        assert text in html, text
    assert "Removed one" not in html

    # Once per join: done, and not asked for again until a member joins again ...
    done = select(GroupSync.state, GroupSync.backfill)
    assert await rows_of(b, done) == [(QueueState.DONE, False)]
    # ... which reads the group again: what was posted while nobody here belonged arrives.
    (await b.api.call("POST", f"/api/v1/groups/{circle}/leave", as_=bea)).expect(204)
    await rig.settle()
    await a.api.post(mo, "circle", "While you were away.", title="Missed")
    await rig.settle()
    assert "Missed" not in await _titles(b, bea, f"/api/v1/groups/{circle}/posts")
    await b.api.join(bea, circle)
    await rig.settle()
    threads = await _titles(b, bea, f"/api/v1/groups/{circle}/posts")
    assert threads == ["Missed", "Small wins", "Sundays", "Welcome, read me"]
    assert await count(b, select(func.count()).select_from(Post)) == 4


async def test_a_private_group_back_fills_its_pins_for_its_members_only(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea, bo = await a.member("mo"), await b.member("bea"), await b.member("bo")
    await circle_with_threads(a, mo, "haven", visibility="private", join_policy="approval")
    haven = f"haven@{a.domain}"
    await b.api.join(bea, haven)
    await rig.settle()
    approved = await a.api.call(
        "POST", f"/api/v1/groups/haven/members/bea@{b.domain}/approve", as_=mo
    )
    approved.expect(200)
    await rig.settle()

    # Bea reads the group's pinned announcement, its rules and its moderators; its older
    # threads stay on A (a private group's outbox lists nothing: its past is for A to give).
    assert await _titles(b, bea, f"/api/v1/groups/{haven}/pinned") == ["Welcome, read me"]
    assert await _titles(b, bea, f"/api/v1/groups/{haven}/posts") == ["Welcome, read me"]
    group = (await b.api.call("GET", f"/api/v1/groups/{haven}", as_=bea)).expect(200)
    assert [r["title"] for r in group["rules"]] == ["Be gentle", "No advice unless asked"]
    mods = (await b.api.call("GET", f"/api/v1/groups/{haven}/moderators", as_=bea)).expect(200)
    assert [m["acct"] for m in mods["items"]] == [f"mo@{a.domain}"]
    assert await count(b, select(func.count()).select_from(Post)) == 1

    # Nobody else on B reads any of it: not Bo, signed in, nor a visitor; not in the API,
    # not on the pages, not as ActivityPub.
    [pin] = await b.api.items(bea, f"/api/v1/groups/{haven}/pinned")
    secrets = ("Welcome, read me", "About welcome, read me.")
    api_paths = [
        f"/api/v1/groups/{haven}/posts",
        f"/api/v1/groups/{haven}/pinned",
        f"/api/v1/groups/{haven}/moderators",
        f"/api/v1/posts/{pin['id']}",
        f"/api/v1/posts/{pin['id']}/replies",
        "/api/v1/groups",
    ]
    for member in (bo, None):
        for path in api_paths:
            answer = await b.api.call("GET", path, as_=member)
            assert not any(s in str(answer.json) for s in secrets), (member, path)
            assert f"mo@{a.domain}" not in str(answer.json) or path == "/api/v1/groups"
    assert b.client is not None
    pages = ["/groups", "/groups/" + quote(haven, safe="@:"), f"/posts/{pin['id']}"]
    for signed_in in (True, False):
        b.client.session.cookie_jar.clear()
        if signed_in:
            form = {"username": "bo", "password": "correct horse battery"}
            status, _ = await submit(b.client, "/signin", form)
            assert status == 303
        for path in pages:
            _, html = await page(b.client, path)
            assert not any(s in html for s in secrets), (signed_in, path)
    b.client.session.cookie_jar.clear()
    async with b.client.get(f"/posts/{pin['id']}", headers=AS2) as response:
        assert response.status == 404


async def test_a_back_fill_that_fails_is_retried_until_it_is_done(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await circle_with_threads(a, mo)
    await rig.settle()
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    # B asks to join; A lets her in and says so; then A goes away before B reads the group.
    await b.run_workers_once()  # the Follow goes out
    await a.run_workers_once()  # A lets her in
    await a.run_workers_once()  # and says so
    await a.stop()
    await rig.settle()
    assert await b.api.membership(bea, circle) == "approved"
    assert await _titles(b, bea, f"/api/v1/groups/{circle}/posts") == []
    [(state, attempts, error)] = await rows_of(
        b, select(GroupSync.state, GroupSync.attempts, GroupSync.last_error)
    )
    assert (state, attempts) == (QueueState.QUEUED, 1)
    assert error

    # The reading is durable: A comes back, the retry comes due, and the group is filled.
    await a.start()
    rig.clock.advance(minutes=2)
    await rig.settle()
    threads = await _titles(b, bea, f"/api/v1/groups/{circle}/posts")
    assert threads == ["Small wins", "Sundays", "Welcome, read me"]
    assert await _titles(b, bea, f"/api/v1/groups/{circle}/pinned") == ["Welcome, read me"]


async def test_a_worker_that_dies_mid_back_fill_leaves_it_for_another(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await circle_with_threads(a, mo)
    await rig.settle()
    circle = f"circle@{a.domain}"

    # B's worker dies in the middle of reading the outbox: its lease is left behind.
    reached = 0

    async def dies(*args: Any, **kwargs: Any) -> str | None:
        nonlocal reached
        reached += 1
        raise SystemExit("the worker was killed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backfill, "_store", dies)
        await b.api.join(bea, circle)
        with pytest.raises(SystemExit):
            await rig.settle()
    assert reached == 1
    await rig.settle()  # leased: nobody takes it up yet
    assert await _titles(b, bea, f"/api/v1/groups/{circle}/posts") == []

    rig.clock.advance(minutes=6)  # the lease runs out
    await rig.settle()
    threads = await _titles(b, bea, f"/api/v1/groups/{circle}/posts")
    assert threads == ["Small wins", "Sundays", "Welcome, read me"]


async def test_a_back_fill_reads_no_more_than_its_caps(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(activitypub, "OUTBOX_PAGE", 3)  # A's outbox in pages of three
    monkeypatch.setattr(backfill, "MAX_THREADS", 7)
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    for number in range(1, 11):
        await a.api.post(mo, "circle", f"Day {number}.", title=f"Day {number}")
    await rig.settle()
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()
    threads = await _titles(b, bea, f"/api/v1/groups/{circle}/posts?limit=20")
    assert threads == [f"Day {n}" for n in range(10, 3, -1)]  # the seven most recent

    # And no more pages than its cap: two pages of three.
    monkeypatch.setattr(backfill, "MAX_PAGES", 2)
    c = await rig.add_node("gamma")
    cal = await c.member("cal")
    await c.api.join(cal, circle)
    await rig.settle()
    threads = await _titles(c, cal, f"/api/v1/groups/{circle}/posts?limit=20")
    assert threads == [f"Day {n}" for n in range(10, 4, -1)]


async def test_a_group_that_keeps_its_moderators_names_to_itself_tells_no_other_node(
    rig: Rig,
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await circle_with_threads(a, mo)
    hidden = {"hide_moderator_names": True}
    (await a.api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=hidden)).expect(200)
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()
    mods = (await b.api.call("GET", f"/api/v1/groups/{circle}/moderators", as_=bea)).expect(200)
    assert mods["items"] == []
    assert b.client is not None
    _, html = await page(b.client, "/groups/" + quote(circle, safe="@:"))
    assert '<ul class="moderators">' not in html  # (Mo still signs the threads he wrote)
