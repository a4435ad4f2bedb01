"""Boundaries through the JSON API: a member chooses who may ask them, mutes and blocks
people and nodes, lists and lifts them a page at a time; what they muted is no longer
listed to them, and whom they blocked cannot reply to them."""

from __future__ import annotations

from tests.api_client import Api
from tests.web.test_reports_api import circle

B, MUTES, BLOCKS, NODES = (
    "/api/v1/boundaries",
    "/api/v1/mutes",
    "/api/v1/blocks",
    "/api/v1/node_blocks",
)


async def test_a_member_chooses_who_may_ask_them(api: Api) -> None:
    ana = await api.register("ana")
    (await api.call("GET", B)).expect(401)
    assert (await api.call("GET", B, as_=ana)).expect(200) == {"contact_policy": "shared_groups"}
    for policy in ("nobody", "this_node", "anyone"):
        put = await api.call("PUT", B, as_=ana, json={"contact_policy": policy})
        assert put.expect(200) == {"contact_policy": policy}
        assert (await api.call("GET", B, as_=ana)).expect(200)["contact_policy"] == policy
    (await api.call("PUT", B, as_=ana, json={"contact_policy": "everyone"})).expect(422)


async def test_a_muted_persons_posts_and_replies_leave_the_muters_lists_only(api: Api) -> None:
    ana, ben, cat, cats_post = await circle(api)
    anas = await api.post(ana, "circle", "Mine")
    await api.reply(cat, anas["id"], "Cat answers")
    await api.reply(ben, anas["id"], "Ben answers")
    threads, replies = "/api/v1/groups/circle/posts", f"/api/v1/posts/{anas['id']}/replies"

    muted = (await api.call("POST", MUTES, as_=ana, json={"acct": "cat"})).expect(201)
    assert muted["actor"]["handle"] == "cat"
    (await api.call("POST", MUTES, as_=ana, json={"acct": "cat"})).expect(201)  # again: the same
    assert [p["id"] for p in await api.items(ana, threads)] == [anas["id"]]
    assert [p["author"]["handle"] for p in await api.items(ana, replies)] == ["ben"]
    # Cat is not told, and everyone else sees all as before.
    assert len(await api.items(ben, threads)) == 2
    assert len(await api.items(cat, replies)) == 2

    listed = (await api.call("GET", MUTES, as_=ana)).expect(200)
    assert [e["actor"]["acct"] for e in listed["items"]] == [muted["actor"]["acct"]]
    (await api.call("DELETE", f"{MUTES}/cat", as_=ana)).expect(204)
    assert len(await api.items(ana, threads)) == 2
    assert (await api.call("GET", MUTES, as_=ana)).expect(200)["items"] == []
    assert cats_post["id"] in {p["id"] for p in await api.items(ana, threads)}


async def test_a_blocked_person_cannot_reply_to_the_blocker(api: Api) -> None:
    ana, ben, _cat, _post = await circle(api)
    anas = await api.post(ana, "circle", "Mine")
    (await api.call("POST", BLOCKS, as_=ana, json={"acct": "ben"})).expect(201)
    refused = await api.call(
        "POST", f"/api/v1/posts/{anas['id']}/replies", as_=ben, json={"body": "Still me"}
    )
    assert refused.expect(403)["code"] == "forbidden"
    (await api.call("DELETE", f"{BLOCKS}/ben", as_=ana)).expect(204)
    await api.reply(ben, anas["id"], "Hello again")


async def test_people_and_nodes_that_cannot_be_blocked_are_refused(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    (await api.call("POST", BLOCKS, json={"acct": "ana"})).expect(401)
    (await api.call("POST", BLOCKS, as_=ana, json={"acct": "ana"})).expect(422)
    (await api.call("POST", BLOCKS, as_=ana, json={"acct": "circle"})).expect(404)
    (await api.call("POST", MUTES, as_=ana, json={"acct": "nobody"})).expect(404)
    (await api.call("POST", NODES, as_=ana, json={"domain": "not a node"})).expect(422)
    (await api.call("POST", NODES, as_=ana, json={"acct": "x"})).expect(422)


async def test_lists_are_paged_and_node_blocks_lifted(api: Api) -> None:
    ana = await api.register("ana")
    for name in ("ben", "cat", "dan"):
        await api.register(name)
        (await api.call("POST", BLOCKS, as_=ana, json={"acct": name})).expect(201)
    first = (await api.call("GET", BLOCKS, as_=ana, params={"limit": "2"})).expect(200)
    assert [e["actor"]["handle"] for e in first["items"]] == ["dan", "cat"]
    rest = await api.call(
        "GET", BLOCKS, as_=ana, params={"limit": "2", "cursor": first["next_cursor"]}
    )
    assert [e["actor"]["handle"] for e in rest.expect(200)["items"]] == ["ben"]
    (await api.call("GET", BLOCKS, as_=ana, params={"cursor": "nonsense"})).expect(422)

    added = await api.call("POST", NODES, as_=ana, json={"domain": "Far.Example"})
    assert added.expect(201)["domain"] == "far.example"
    listed = (await api.call("GET", NODES, as_=ana)).expect(200)
    assert [e["domain"] for e in listed["items"]] == ["far.example"]
    assert listed["next_cursor"] is None
    (await api.call("DELETE", f"{NODES}/far.example", as_=ana)).expect(204)
    assert (await api.call("GET", NODES, as_=ana)).expect(200)["items"] == []
