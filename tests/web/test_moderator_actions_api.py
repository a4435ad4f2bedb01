"""The moderators' endpoints: restore, lock, held posts, group settings, and what the
post and log answers say about them."""

from __future__ import annotations

from typing import Any

from tests.api_client import Api, Member


async def _circle(api: Api) -> tuple[Member, Member, Member]:
    """``mo`` owns ``circle``; ``ben`` and ``cy`` have joined it."""
    mo, ben, cy = await api.register("mo"), await api.register("ben"), await api.register("cy")
    await api.create_group(mo, "circle")
    await api.join(ben, "circle")
    await api.join(cy, "circle")
    return mo, ben, cy


async def _post(api: Api, member: Member | None, post_id: str, **params: str) -> Any:
    return (await api.call("GET", f"/api/v1/posts/{post_id}", as_=member, params=params)).expect(
        200
    )


async def test_remove_and_restore(api: Api) -> None:
    mo, ben, cy = await _circle(api)
    post = await api.post(ben, "circle", "Cheap pills", title="Offer")
    assert (post["removed"], post["locked"], post["held"]) == (False, False, False)
    removed = await api.call(
        "POST", f"/api/v1/posts/{post['id']}/remove", as_=mo, json={"reason": "spam"}
    )
    removed.expect(204)

    hidden = await _post(api, cy, post["id"], show_removed="true")
    assert (hidden["deleted"], hidden["removed"], hidden["content_html"]) == (True, True, "")
    assert await api.items(cy, "/api/v1/groups/circle/posts?show_removed=true") == []
    whole = await _post(api, mo, post["id"], show_removed="true")
    assert (whole["deleted"], whole["removed"], whole["title"]) == (False, True, "Offer")
    [listed] = await api.items(mo, "/api/v1/groups/circle/posts?show_removed=true")
    assert listed["id"] == post["id"]
    assert (await _post(api, mo, post["id"]))["content_html"] == ""

    refused = await api.call("POST", f"/api/v1/posts/{post['id']}/restore", as_=cy, json={})
    assert refused.status == 403
    restored = await api.call(
        "POST", f"/api/v1/posts/{post['id']}/restore", as_=mo, json={"reason": "appeal"}
    )
    assert restored.expect(200)["removed"] is False
    assert (await _post(api, None, post["id"]))["content_html"] == "<p>Cheap pills</p>"
    log = await api.items(None, "/api/v1/groups/circle/modlog")
    assert [(e["action"], e["reason"]) for e in log] == [
        ("restore_post", "appeal"),
        ("remove_post", "spam"),
    ]


async def test_lock_and_unlock(api: Api) -> None:
    mo, ben, cy = await _circle(api)
    thread = await api.post(ben, "circle", "Topic", title="Topic")
    answer = await api.reply(cy, thread["id"], "An answer")
    not_a_thread = await api.call("POST", f"/api/v1/posts/{answer['id']}/lock", as_=mo, json={})
    assert not_a_thread.status == 422
    assert (
        await api.call("POST", f"/api/v1/posts/{thread['id']}/lock", as_=ben, json={})
    ).status == 403

    locked = await api.call(
        "POST", f"/api/v1/posts/{thread['id']}/lock", as_=mo, json={"reason": "heated"}
    )
    assert locked.expect(200)["locked"] is True
    refused = await api.call(
        "POST", f"/api/v1/posts/{answer['id']}/replies", as_=cy, json={"body": "But…"}
    )
    assert refused.status == 403
    assert refused.json["detail"] == "this thread is locked: it takes no new replies"
    await api.reply(mo, thread["id"], "Locked for now.")

    unlocked = await api.call(
        "DELETE", f"/api/v1/posts/{thread['id']}/lock", as_=mo, params={"reason": "calmer"}
    )
    assert unlocked.expect(200)["locked"] is False
    await api.reply(cy, thread["id"], "Thanks")
    log = await api.items(mo, "/api/v1/groups/circle/modlog")
    assert [(e["action"], e["reason"]) for e in log] == [
        ("unlock_thread", "calmer"),
        ("lock_thread", "heated"),
    ]


async def test_pre_moderation(api: Api) -> None:
    mo, ben, cy = await _circle(api)
    refused = await api.call(
        "PATCH", "/api/v1/groups/circle/settings", as_=ben, json={"hold_new_members_posts": True}
    )
    assert refused.status == 403
    changed = await api.call(
        "PATCH", "/api/v1/groups/circle/settings", as_=mo, json={"hold_new_members_posts": True}
    )
    group = changed.expect(200)
    assert (group["hold_new_members_posts"], group["hide_moderator_names"]) == (True, False)
    assert (await api.call("GET", "/api/v1/groups/circle")).expect(200)["hold_new_members_posts"]

    dee = await api.register("dee")
    await api.join(dee, "circle")
    first = await api.post(dee, "circle", "Hello, new here", title="Hi")
    second = await api.post(dee, "circle", "Buy my course", title="Offer")
    assert (first["held"], second["held"]) == (True, True)
    assert (await api.call("GET", f"/api/v1/posts/{first['id']}", as_=cy)).status == 404
    assert (await api.call("GET", "/api/v1/groups/circle/held", as_=cy)).status == 403
    held = await api.items(mo, "/api/v1/groups/circle/held")
    assert [p["id"] for p in held] == [first["id"], second["id"]]

    approved = await api.call("POST", f"/api/v1/posts/{first['id']}/approve", as_=mo)
    assert approved.expect(200)["held"] is False
    again = await api.call("POST", f"/api/v1/posts/{first['id']}/approve", as_=mo)
    assert again.status == 409
    rejected = await api.call(
        "POST", f"/api/v1/posts/{second['id']}/reject", as_=mo, json={"reason": "advertising"}
    )
    rejected.expect(204)
    assert [t["id"] for t in await api.items(cy, "/api/v1/groups/circle/posts")] == [first["id"]]
    assert await api.items(mo, "/api/v1/groups/circle/held") == []
    assert (await api.post(dee, "circle", "Trusted now"))["held"] is False
    log = await api.items(mo, "/api/v1/groups/circle/modlog")
    assert [(e["action"], e["reason"]) for e in log] == [
        ("reject_post", "advertising"),
        ("approve_post", ""),
    ]


async def test_a_log_that_says_a_moderator(api: Api) -> None:
    mo, ben, _ = await _circle(api)
    post = await api.post(ben, "circle", "Spam")
    await api.call("POST", f"/api/v1/posts/{post['id']}/remove", as_=mo, json={"reason": "spam"})
    changed = await api.call(
        "PATCH", "/api/v1/groups/circle/settings", as_=mo, json={"hide_moderator_names": True}
    )
    assert changed.expect(200)["hide_moderator_names"] is True
    for viewer in (None, ben):
        [entry] = await api.items(viewer, "/api/v1/groups/circle/modlog")
        assert (entry["moderator"], entry["reason"]) == (None, "spam")
    [entry] = await api.items(mo, "/api/v1/groups/circle/modlog")
    assert entry["moderator"]["acct"] == "mo@node.test"


async def test_join_decisions_and_pins_are_in_the_log(api: Api) -> None:
    mo, ben = await api.register("mo"), await api.register("ben")
    await api.create_group(mo, "circle", join_policy="approval")
    await api.join(ben, "circle")
    approved = await api.call("POST", "/api/v1/groups/circle/members/ben/approve", as_=mo)
    approved.expect(200)
    post = await api.post(mo, "circle", "Rules", title="Rules")
    (await api.call("PUT", f"/api/v1/posts/{post['id']}/pin", as_=mo)).expect(200)
    log = await api.items(mo, "/api/v1/groups/circle/modlog")
    assert [(e["action"], e["target_actor"]["handle"]) for e in log] == [
        ("pin", "mo"),
        ("approve_member", "ben"),
    ]
