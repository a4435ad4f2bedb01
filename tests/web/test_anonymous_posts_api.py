"""Anonymous posts through the API: a group's choice, the author's view, everyone else's,
and what moderators and admins can do about one."""

from __future__ import annotations

from typing import Any

from node.kinds import NodeRole
from tests.api_client import Api, Member
from tests.web.test_admin_api import Sessions, staff

ALLOW = {"allow_anonymous_posts": True}


async def _circle(api: Api, *, allow: bool = True) -> tuple[Member, Member, Member]:
    """``mo`` owns ``circle`` (anonymous posts allowed unless ``allow`` is False); ``ana``
    and ``cy`` have joined it."""
    mo, ana, cy = await api.register("mo"), await api.register("ana"), await api.register("cy")
    await api.create_group(mo, "circle")
    if allow:
        settings = await api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=ALLOW)
        assert settings.expect(200)["allow_anonymous_posts"] is True
    await api.join(ana, "circle")
    await api.join(cy, "circle")
    return mo, ana, cy


async def _seen(api: Api, member: Member | None, post_id: str) -> Any:
    return (await api.call("GET", f"/api/v1/posts/{post_id}", as_=member)).expect(200)


async def test_a_group_takes_anonymous_posts_only_once_its_moderators_allow_them(
    api: Api,
) -> None:
    mo, ana, cy = await _circle(api, allow=False)
    group = (await api.call("GET", "/api/v1/groups/circle", as_=ana)).expect(200)
    assert group["allow_anonymous_posts"] is False
    refused = await api.call(
        "POST",
        "/api/v1/groups/circle/posts",
        as_=ana,
        json={"body": "Hard night", "title": "Tonight", "anonymous": True},
    )
    assert refused.status == 422
    assert refused.json["errors"][0]["field"] == "anonymous"
    thread = await api.post(cy, "circle", "Anyone awake?", title="Awake")
    refused = await api.call(
        "POST",
        f"/api/v1/posts/{thread['id']}/replies",
        as_=ana,
        json={"body": "Me", "anonymous": True},
    )
    assert refused.status == 422
    # Only moderators change it.
    denied = await api.call("PATCH", "/api/v1/groups/circle/settings", as_=ana, json=ALLOW)
    assert denied.status == 403
    allowed = await api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=ALLOW)
    assert allowed.expect(200)["allow_anonymous_posts"] is True
    await api.post(ana, "circle", "Hard night", title="Tonight", anonymous=True)


async def test_others_see_the_group_and_a_label_the_author_sees_their_own(api: Api) -> None:
    mo, ana, cy = await _circle(api)
    thread = await api.post(ana, "circle", "I cannot sleep", title="Nights", anonymous=True)
    first = await api.reply(cy, thread["id"], "I am here")
    again = await api.reply(ana, first["id"], "Thank you", anonymous=True)
    other = await api.reply(mo, thread["id"], "So are we", anonymous=True)

    # Ana sees her own anonymous posts as hers, marked anonymous.
    mine = await _seen(api, ana, thread["id"])
    assert (mine["author"]["acct"].split("@")[0], mine["anonymous"]) == ("ana", True)
    assert mine["anonymous_label"] == "Anonymous 1"
    assert mine["source"] == "I cannot sleep"
    # Everyone else, signed in or not, sees the group, with a label stable in the thread.
    for viewer in (cy, None):
        replies = await api.items(viewer, f"/api/v1/posts/{thread['id']}/replies")
        shown = [(r["author"]["acct"].split("@")[0], r["anonymous_label"]) for r in replies]
        assert shown == [("cy", None), ("circle", "Anonymous 1"), ("circle", "Anonymous 2")]
        seen = await _seen(api, viewer, thread["id"])
        assert (seen["author"]["kind"], seen["anonymous_label"]) == ("group", "Anonymous 1")
        assert seen["source"] is None
        assert seen["support_count"] is None
    assert (again["anonymous_label"], other["anonymous_label"]) == ("Anonymous 1", "Anonymous 2")
    # The group's owner is told nothing more than anyone else.
    replies = await api.items(mo, f"/api/v1/posts/{thread['id']}/replies")
    assert [r["author"]["handle"] for r in replies] == ["cy", "circle", "mo"]

    # A new thread starts counting again: nothing ties it to the first.
    second = await api.post(ana, "circle", "Better today", title="Days", anonymous=True)
    reply = await api.reply(cy, second["id"], "Glad", anonymous=False)
    assert (second["anonymous_label"], reply["anonymous_label"]) == ("Anonymous 1", None)


async def test_the_author_edits_and_deletes_an_anonymous_post(api: Api) -> None:
    _mo, ana, cy = await _circle(api)
    thread = await api.post(ana, "circle", "First words", title="Mine", anonymous=True)
    edited = await api.call(
        "PATCH", f"/api/v1/posts/{thread['id']}", as_=ana, json={"body": "Better words"}
    )
    assert edited.expect(200)["content_html"] == "<p>Better words</p>"
    denied = await api.call("PATCH", f"/api/v1/posts/{thread['id']}", as_=cy, json={"body": "x"})
    assert denied.status == 403
    (await api.call("DELETE", f"/api/v1/posts/{thread['id']}", as_=ana)).expect(204)
    assert (await _seen(api, cy, thread["id"]))["deleted"] is True


async def test_moderators_remove_and_ban_the_writer_without_learning_who(api: Api) -> None:
    mo, ana, cy = await _circle(api)
    thread = await api.post(ana, "circle", "Buy my pills", title="Offer", anonymous=True)
    path = f"/api/v1/posts/{thread['id']}"
    denied = await api.call("POST", f"{path}/ban-writer", as_=cy, json={"reason": "spam"})
    assert denied.status == 403
    (await api.call("POST", f"{path}/remove", as_=mo, json={"reason": "spam"})).expect(204)
    (await api.call("POST", f"{path}/ban-writer", as_=mo, json={"reason": "spam"})).expect(204)

    # Ana can post no more here, anonymously or not; her membership looks as it did.
    refused = await api.call(
        "POST", "/api/v1/groups/circle/posts", as_=ana, json={"body": "Again", "title": "Again"}
    )
    assert refused.status == 403
    members = await api.items(mo, "/api/v1/groups/circle/members")
    assert sorted(m["member"]["handle"] for m in members) == ["ana", "cy", "mo"]
    assert {m["state"] for m in members} == {"approved"}
    await api.post(cy, "circle", "Still here", title="Cy")
    # The ban is lifted the same way, still unseen.
    lift = await api.call("DELETE", f"{path}/ban-writer", as_=mo, params={"reason": "appeal"})
    lift.expect(204)
    again = await api.call("DELETE", f"{path}/ban-writer", as_=mo)
    assert again.status == 404
    await api.post(ana, "circle", "Sorry", title="Sorry")
    # The log names the post, not who wrote it.
    log = await api.items(mo, "/api/v1/groups/circle/modlog")
    assert [(e["action"], e["target"], e["target_actor"]) for e in log] == [
        ("unban", thread["uri"], None),
        ("ban", thread["uri"], None),
        ("remove_post", thread["uri"], None),
    ]


async def test_only_admins_find_out_who_wrote_one_and_each_look_is_logged(
    api: Api, sessions: Sessions
) -> None:
    admin = await staff(api, sessions, "ada", NodeRole.ADMIN)
    sam = await staff(api, sessions, "sam", NodeRole.MODERATOR)
    mo, ana, cy = await _circle(api)
    thread = await api.post(ana, "circle", "Words", title="Words", anonymous=True)
    plain = await api.post(cy, "circle", "Mine", title="Mine")
    path = f"/api/v1/admin/posts/{thread['id']}/author"
    for who in (sam, mo, cy):
        assert (await api.call("GET", path, as_=who)).status == 403
    revealed = (await api.call("GET", path, as_=admin)).expect(200)
    assert revealed["acct"].split("@")[0] == "ana"
    missing = await api.call("GET", f"/api/v1/admin/posts/{plain['id']}/author", as_=admin)
    assert missing.status == 404
    [entry] = (await api.call("GET", "/api/v1/admin/log", as_=sam)).expect(200)["items"]
    assert (entry["action"], entry["target"], entry["target_actor"]) == (
        "reveal_author",
        thread["uri"],
        None,
    )
    assert entry["moderator"]["handle"] == "ada"


async def test_a_suspension_leaves_the_members_anonymous_posts_up(
    api: Api, sessions: Sessions
) -> None:
    """A suspended account's actor says so in public; its anonymous posts vanishing at
    that moment would say who wrote them. Moderators remove them like any post."""
    admin = await staff(api, sessions, "ada", NodeRole.ADMIN)
    _, ana, cy = await _circle(api)
    hidden = await api.post(ana, "circle", "Signed", title="Signed")
    kept = await api.post(ana, "circle", "Unsigned", title="Unsigned", anonymous=True)
    suspend = {"reason": "spam"}
    path = "/api/v1/admin/accounts/ana/suspend"
    assert (await api.call("POST", path, as_=admin, json=suspend)).expect(200)["suspended"]
    assert (await _seen(api, cy, hidden["id"]))["deleted"] is True
    shown = await _seen(api, cy, kept["id"])
    assert (shown["deleted"], shown["content_html"]) == (False, "<p>Unsigned</p>")
    listed = await api.items(None, "/api/v1/groups/circle/posts")
    assert [p["id"] for p in listed] == [kept["id"]]


async def test_a_care_report_about_an_anonymous_post_reaches_its_writer_unnamed(
    api: Api,
) -> None:
    """Someone worried about an anonymous writer: the writer gets the kind message, and
    the group's moderators, working the care queue, still cannot tell who it is."""
    mo, ana, cy = await _circle(api)
    post = await api.post(
        ana, "circle", "I can't see a way through", title="Tonight", anonymous=True
    )
    filed = await api.call("POST", "/api/v1/care-reports", as_=cy, json={"post_id": post["id"]})
    assert filed.expect(201)["reach"] == "here"
    assert len((await api.call("GET", "/api/v1/care-messages", as_=ana)).expect(200)["items"]) == 1

    queue = (await api.call("GET", "/api/v1/reports?kind=care", as_=mo)).expect(200)["items"]
    assert len(queue) == 1
    assert "ana" not in str(queue)
    report_id = queue[0]["id"]
    # Reaching out in person would need a name; sharing resources again needs none.
    reach = await api.call("POST", f"/api/v1/reports/{report_id}/reach-out", as_=mo)
    assert reach.status == 409
    first = (await api.call("GET", "/api/v1/care-messages", as_=ana)).expect(200)["items"][0]
    (await api.call("POST", f"/api/v1/care-messages/{first['id']}/read", as_=ana)).expect(200)
    shared = await api.call("POST", f"/api/v1/reports/{report_id}/share-resources", as_=mo)
    assert shared.expect(200) == {"sent": True}
    assert len((await api.call("GET", "/api/v1/care-messages", as_=ana)).expect(200)["items"]) == 2
