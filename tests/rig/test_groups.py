"""Support groups across nodes (FEP-1b12): joining, one shared conversation, approval."""

from __future__ import annotations

from typing import Any

from tests.api_client import Member
from tests.rig.rig import Rig, RigNode


async def _items(node: RigNode, member: Member, path: str) -> list[Any]:
    return list((await node.api.call("GET", path, as_=member)).expect(200)["items"])


async def _conversation(node: RigNode, member: Member, group: str) -> list[tuple[Any, ...]]:
    """Every thread of a group as this node shows it: (title, body, [(reply, parent)])."""
    shown = []
    for thread in await _items(node, member, f"/api/v1/groups/{group}/posts"):
        replies = await _items(node, member, f"/api/v1/posts/{thread['id']}/replies")
        text = {r["id"]: "(deleted)" if r["deleted"] else r["content_html"] for r in replies}
        parents = {thread["id"]: "thread"} | text
        shown.append(
            (
                thread["title"],
                thread["content_html"],
                [(text[r["id"]], parents[r["in_reply_to"]]) for r in replies],
            )
        )
    return shown


async def test_an_open_group_is_one_conversation_on_three_nodes(rig: Rig) -> None:
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"

    for node, member in ((b, bea), (c, cal)):
        joined = await node.api.call("POST", f"/api/v1/groups/{circle}/join", as_=member)
        assert joined.expect(200)["state"] == "pending"  # until the group's node answers
    await rig.settle()
    assert [await b.api.membership(bea, circle), await c.api.membership(cal, circle)] == [
        "approved",
        "approved",
    ]

    thread = await b.api.post(bea, circle, "How do you get through **Sundays**?", title="Sundays")
    await rig.settle()
    [on_c] = await _items(c, cal, f"/api/v1/groups/{circle}/posts")
    assert on_c["uri"] == thread["uri"]
    reply = await c.api.reply(cal, on_c["id"], "A long walk, every time.")
    await rig.settle()
    [on_a] = await _items(a, mo, "/api/v1/groups/circle/posts")
    mine = await a.api.reply(mo, on_a["id"], "Thank you both.")
    await rig.settle()

    expected = [
        (
            "Sundays",
            "<p>How do you get through <strong>Sundays</strong>?</p>",
            [
                ("<p>A long walk, every time.</p>", "thread"),
                ("<p>Thank you both.</p>", "thread"),
            ],
        )
    ]
    assert await _conversation(a, mo, "circle") == expected
    assert await _conversation(b, bea, circle) == expected
    assert await _conversation(c, cal, circle) == expected

    # Edits and deletions travel the same way, through the group.
    edited = await b.api.call(
        "PATCH", f"/api/v1/posts/{thread['id']}", as_=bea, json={"body": "Sundays are hard."}
    )
    edited.expect(200)
    await c.api.call("DELETE", f"/api/v1/posts/{reply['id']}", as_=cal)
    await rig.settle()
    for node, member, group in ((a, mo, "circle"), (b, bea, circle), (c, cal, circle)):
        [(title, body, replies)] = await _conversation(node, member, group)
        assert (title, body) == ("Sundays", "<p>Sundays are hard.</p>"), node.name
        # A deleted reply stays as a tombstone, so the thread keeps its shape.
        assert replies == [("(deleted)", "thread"), ("<p>Thank you both.</p>", "thread")], node.name
    assert mine["uri"].startswith(f"http://{a.domain}/")


async def test_an_approval_group_decides_and_a_turned_down_member_cannot_post(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea, ben = await a.member("mo"), await b.member("bea"), await b.member("ben")
    await a.api.create_group(mo, "quiet", join_policy="approval")
    quiet = f"quiet@{a.domain}"
    for member in (bea, ben):
        await b.api.call("POST", f"/api/v1/groups/{quiet}/join", as_=member)
    await rig.settle()
    assert await b.api.membership(bea, quiet) == "pending"
    pending = await _items(a, mo, "/api/v1/groups/quiet/members?state=pending")
    assert sorted(m["member"]["acct"] for m in pending) == [
        f"bea@{b.domain}",
        f"ben@{b.domain}",
    ]

    await a.api.call("POST", f"/api/v1/groups/quiet/members/bea@{b.domain}/approve", as_=mo)
    await a.api.call("POST", f"/api/v1/groups/quiet/members/ben@{b.domain}/reject", as_=mo)
    await rig.settle()
    assert await b.api.membership(bea, quiet) == "approved"
    assert await b.api.membership(ben, quiet) is None

    await b.api.post(bea, quiet, "Hello, quietly.", title="Hi")
    # Ben's node no longer counts him a member, so it refuses at once ...
    refused = await b.api.call(
        "POST", f"/api/v1/groups/{quiet}/posts", as_=ben, json={"body": "Let me in"}
    )
    assert refused.status == 403
    await rig.settle()
    assert [t["title"] for t in await _items(a, mo, "/api/v1/groups/quiet/posts")] == ["Hi"]
