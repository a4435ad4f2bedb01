"""Support topics through the API: what a member marks, what a group gives by default,
and a reader's filters on every listing (hidden items counted, and opened on purpose)."""

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


async def _page(api: Api, member: Member | None, path: str, **params: str) -> Any:
    return (await api.call("GET", path, as_=member, params=params)).expect(200)


async def test_the_vocabulary_is_listed_with_its_labels(api: Api) -> None:
    topics = await _page(api, None, "/api/v1/topics")
    by_id = {item["id"]: item["labels"] for item in topics["items"]}
    assert by_id["suicide"] == {"en": "Suicide", "de": "Suizid", "fr": "Suicide"}
    assert {"self-harm", "eating-disorders", "pregnancy-and-infant-loss"} <= set(by_id)
    assert topics["default_choice"] == "collapse"


async def test_posts_carry_topics_and_groups_give_defaults(api: Api) -> None:
    mo, ben, _ = await _circle(api)
    refused = await api.call(
        "PATCH", "/api/v1/groups/circle/settings", as_=ben, json={"default_topics": ["abuse"]}
    )
    assert refused.status == 403
    group = await api.call(
        "PATCH",
        "/api/v1/groups/circle/settings",
        as_=mo,
        json={"default_topics": ["grief-and-loss"]},
    )
    assert group.expect(200)["default_topics"] == ["grief-and-loss"]
    post = await api.post(ben, "circle", "Tonight is hard.", topics=["suicide", "self-harm"])
    assert post["topics"] == ["self-harm", "suicide"]
    assert (await api.post(ben, "circle", "Missing her."))["topics"] == ["grief-and-loss"]
    reply = await api.reply(mo, post["id"], "I'm here.", topics=[])
    assert reply["topics"] == []
    edited = await api.call(
        "PATCH", f"/api/v1/posts/{post['id']}", as_=ben, json={"topics": ["suicide"]}
    )
    assert edited.expect(200)["topics"] == ["suicide"]
    unknown = await api.call(
        "POST", "/api/v1/groups/circle/posts", as_=ben, json={"body": "x", "topics": ["sad"]}
    )
    assert unknown.status == 422


async def test_a_readers_filters_apply_to_every_listing(api: Api) -> None:
    _, ben, cy = await _circle(api)
    hard = await api.post(ben, "circle", "I can't go on.", title="Tonight", topics=["suicide"])
    await api.post(ben, "circle", "Tea helped.")
    reply = await api.reply(ben, hard["id"], "Still here.", topics=["suicide"])

    visitor = await _page(api, None, "/api/v1/groups/circle/posts")
    assert [p["filtered"] for p in visitor["items"]] == ["show", "collapse"]
    assert visitor["hidden_by_filters"] == 0

    assert (await _page(api, cy, "/api/v1/accounts/me/topic-filters"))["choices"][
        "suicide"
    ] == "collapse"
    chosen = await api.call(
        "PATCH",
        "/api/v1/accounts/me/topic-filters",
        as_=cy,
        json={"choices": {"suicide": "hide"}},
    )
    assert chosen.expect(200)["choices"]["suicide"] == "hide"

    threads = await _page(api, cy, "/api/v1/groups/circle/posts")
    assert threads["hidden_by_filters"] == 1
    hidden = next(p for p in threads["items"] if p["id"] == hard["id"])
    assert (hidden["filtered"], hidden["title"], hidden["content_html"]) == ("hide", None, "")
    assert hidden["topics"] == ["suicide"]
    replies = await _page(api, cy, f"/api/v1/posts/{hard['id']}/replies")
    assert replies["hidden_by_filters"] == 1
    assert replies["items"][0]["id"] == reply["id"]
    one = await _page(api, cy, f"/api/v1/posts/{hard['id']}")
    assert one["content_html"] == ""

    opened = await _page(api, cy, f"/api/v1/posts/{hard['id']}", reveal="true")
    assert (opened["filtered"], opened["title"]) == ("collapse", "Tonight")
    listed = await _page(api, cy, "/api/v1/groups/circle/posts", reveal="true")
    assert listed["hidden_by_filters"] == 0
    # Its author still reads their own words; another member keeps the default.
    assert (await _page(api, ben, f"/api/v1/posts/{hard['id']}"))["title"] == "Tonight"
    bad = await api.call(
        "PATCH",
        "/api/v1/accounts/me/topic-filters",
        as_=cy,
        json={"choices": {"suicide": "never"}},
    )
    assert bad.status == 422
