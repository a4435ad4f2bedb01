"""The first-use journey through the API, as a new community would live it."""

from __future__ import annotations

from tests.api_client import Api


async def test_register_create_group_join_post_reply_and_support(api: Api) -> None:
    ana = await api.register("ana")
    group = await api.create_group(
        ana,
        "grief-circle",
        display_name="Grief Circle",
        description="For people living with loss.",
        rules=[
            {"title": "Be gentle", "description": "Everyone grieves differently."},
            {"title": "What is shared here stays here"},
        ],
    )
    assert [r["title"] for r in group["rules"]] == ["Be gentle", "What is shared here stays here"]
    assert group["membership"]["role"] == "owner"
    assert group["actor"]["id"] == "http://node.test/groups/grief-circle"

    ben = await api.register("ben")
    membership = await api.join(ben, "grief-circle")
    assert membership["state"] == "approved"

    thread = await api.post(
        ben,
        "grief-circle",
        "My father died in **March**.",
        title="A hard spring",
        content_warning="death of a parent",
    )
    assert thread["content_html"] == "<p>My father died in <strong>March</strong>.</p>"
    assert thread["author"]["acct"] == "ben@node.test"

    answer = await api.reply(ana, thread["id"], "I am so sorry, Ben.")
    assert answer["in_reply_to"] == thread["id"]
    nested = await api.reply(ben, answer["id"], "Thank you.")
    assert nested["thread"] == thread["id"]

    supported = (await api.call("PUT", f"/api/v1/posts/{thread['id']}/support", as_=ana)).expect(
        200
    )
    assert supported["supported_by_me"] is True
    assert supported["support_count"] is None  # only the author sees the count
    seen_by_ben = (await api.call("GET", f"/api/v1/posts/{thread['id']}", as_=ben)).expect(200)
    assert seen_by_ben["support_count"] == 1

    threads = (await api.call("GET", "/api/v1/groups/grief-circle/posts")).expect(200)
    assert [t["id"] for t in threads["items"]] == [thread["id"]]
    assert threads["items"][0]["reply_count"] == 2
    replies = (await api.call("GET", f"/api/v1/posts/{thread['id']}/replies")).expect(200)
    assert [(r["id"], r["in_reply_to"]) for r in replies["items"]] == [
        (answer["id"], thread["id"]),
        (nested["id"], answer["id"]),
    ]
