"""Conversations through the JSON API, as the two members and everyone else see them:
ask, answer, talk, end; strangers find nothing; a refusal says only "not available"."""

from __future__ import annotations

from typing import Any

from tests.api_client import Api, Member

BASE = "/api/v1/conversations"
NOT_AVAILABLE = "This person is not available to talk."


async def friends(api: Api) -> tuple[Member, Member, Member]:
    """``ana``, ``ben`` and ``cat`` share the group ``circle``."""
    ana, ben, cat = [await api.register(name) for name in ("ana", "ben", "cat")]
    await api.create_group(ana, "circle")
    for member in (ben, cat):
        await api.join(member, "circle")
    return ana, ben, cat


async def ask(api: Api, asker: Member, to: str, text: str = "Could we talk?") -> Any:
    return (await api.call("POST", BASE, as_=asker, json={"to": to, "text": text})).expect(201)


async def unread(api: Api, member: Member) -> tuple[int, int]:
    count = (await api.call("GET", f"{BASE}/unread", as_=member)).expect(200)
    assert count["total"] == count["messages"] + count["requests"]
    return count["messages"], count["requests"]


async def test_ask_accept_talk_and_end(api: Api) -> None:
    ana, ben, _cat = await friends(api)
    asked = await ask(api, ana, "@ben", "Hi Ben, could we talk?")
    assert asked["state"] == "requested"
    assert asked["asked_by_me"] is True
    assert asked["other"]["handle"] == "ben"
    talk = f"{BASE}/{asked['id']}"

    assert await unread(api, ben) == (0, 1)
    requests = await api.items(ben, f"{BASE}/requests")
    assert [(r["id"], r["other"]["handle"]) for r in requests] == [(asked["id"], "ana")]
    assert "text" not in requests[0]  # who asks, not what: that is in its messages
    sent = await api.items(ana, f"{BASE}/requests?sent=true")
    assert [(r["id"], r["other"]["handle"], r["asked_by_me"]) for r in sent] == [
        (asked["id"], "ben", True)
    ]
    assert await api.items(ben, f"{BASE}/requests?sent=true") == []
    first = await api.items(ben, f"{talk}/messages")
    assert [(m["text"], m["mine"]) for m in first] == [("Hi Ben, could we talk?", False)]
    # Nothing flows before the answer, and only Ben answers.
    refused = (await api.call("POST", f"{talk}/messages", as_=ana, json={"text": "?"})).expect(403)
    assert refused["code"] == "conversation_closed"
    (await api.call("POST", f"{talk}/accept", as_=ana)).expect(403)
    assert await api.items(ben, BASE) == []

    accepted = (await api.call("POST", f"{talk}/accept", as_=ben)).expect(200)
    assert accepted["state"] == "accepted"
    assert accepted["asked_by_me"] is False
    said = await api.call("POST", f"{talk}/messages", as_=ben, json={"text": "Yes <b>sure</b>"})
    assert said.expect(201)["text"] == "Yes <b>sure</b>"  # plain text, as written
    assert await unread(api, ana) == (1, 0)
    listed = await api.items(ana, BASE)
    assert [(c["id"], c["unread"]) for c in listed] == [(asked["id"], 1)]
    (await api.call("POST", f"{talk}/read", as_=ana)).expect(204)
    assert await unread(api, ana) == (0, 0)

    ended = (await api.call("POST", f"{talk}/end", as_=ana)).expect(200)
    assert (ended["state"], ended["ended_by_me"]) == ("ended", True)
    seen = (await api.call("GET", talk, as_=ben)).expect(200)
    assert (seen["state"], seen["ended_by_me"]) == ("ended", False)
    late = await api.call("POST", f"{talk}/messages", as_=ben, json={"text": "Wait"})
    assert late.expect(403)["code"] == "conversation_closed"
    (await api.call("POST", f"{talk}/accept", as_=ben)).expect(403)


async def test_strangers_and_visitors_find_nothing(api: Api) -> None:
    ana, ben, cat = await friends(api)
    asked = await ask(api, ana, "ben", "Only for Ben")
    talk = f"{BASE}/{asked['id']}"
    (await api.call("POST", f"{talk}/accept", as_=ben)).expect(200)
    calls: list[tuple[str, str, Any]] = [
        ("GET", talk, None),
        ("GET", f"{talk}/messages", None),
        ("POST", f"{talk}/messages", {"text": "hi"}),
        ("POST", f"{talk}/accept", None),
        ("POST", f"{talk}/decline", {}),
        ("POST", f"{talk}/end", None),
        ("POST", f"{talk}/read", None),
    ]
    missing = (await api.call("GET", f"{BASE}/{'0' * 32}", as_=cat)).expect(404)
    for method, path, body in calls:
        (await api.call(method, path, json=body)).expect(401)
        answer = (await api.call(method, path, as_=cat, json=body)).expect(404)
        assert answer["detail"] == missing["detail"]
    for path in (BASE, f"{BASE}/requests", f"{BASE}/unread"):
        (await api.call("GET", path)).expect(401)
    assert await api.items(cat, BASE) == []
    assert await unread(api, cat) == (0, 0)


async def test_a_refusal_says_only_not_available(api: Api) -> None:
    ana, ben, _cat = await friends(api)
    dan = await api.register("dan")  # shares no group with ana: her boundary refuses him
    answers = [
        await api.call("POST", BASE, as_=dan, json={"to": "ana", "text": "Hello"}),
        await api.call("POST", BASE, as_=dan, json={"to": "nobody", "text": "Hello"}),
        await api.call("POST", BASE, as_=dan, json={"to": "@x@far.example", "text": "Hello"}),
        await api.call("POST", BASE, as_=dan, json={"to": "circle", "text": "Hello"}),
        await api.call("POST", BASE, as_=dan, json={"to": "dan", "text": "Hello"}),
    ]
    assert {(a.status, a.json["code"], a.json["detail"]) for a in answers} == {
        (403, "not_available", NOT_AVAILABLE)
    }
    # A declined request reads "not available" to the asker too.
    asked = await ask(api, ana, "ben")
    declined = await api.call("POST", f"{BASE}/{asked['id']}/decline", as_=ben, json={})
    assert declined.expect(200)["state"] == "declined"
    seen = (await api.call("GET", f"{BASE}/{asked['id']}", as_=ana)).expect(200)
    assert seen["state"] == "not_available"
    # An open request is named, since both know of it.
    again = await ask(api, ana, "ben")
    twice = (await api.call("POST", BASE, as_=ana, json={"to": "ben", "text": "Hi"})).expect(403)
    assert twice["code"] == "already_open"
    # Declined with a block: from now on, the same answer as a stranger's.
    path = f"{BASE}/{again['id']}/decline"
    (await api.call("POST", path, as_=ben, json={"block": True})).expect(200)
    blocked = await api.call("POST", BASE, as_=ana, json={"to": "ben", "text": "Hi"})
    assert (blocked.status, blocked.json["detail"]) == (403, NOT_AVAILABLE)


async def test_messages_hold_some_words_and_not_a_book(api: Api) -> None:
    ana, ben, _cat = await friends(api)
    for text in ("", "x" * 5001):
        answer = await api.call("POST", BASE, as_=ana, json={"to": "ben", "text": text})
        assert answer.expect(422)["errors"][0]["field"] == "text"
    asked = await ask(api, ana, "ben", "x" * 5000)
    assert (await api.call("POST", f"{BASE}/{asked['id']}/accept", as_=ben)).status == 200


async def test_lists_and_messages_page_with_cursors(api: Api) -> None:
    ana, ben, _cat = await friends(api)
    asked = await ask(api, ana, "ben", "one")
    talk = f"{BASE}/{asked['id']}"
    (await api.call("POST", f"{talk}/accept", as_=ben)).expect(200)
    for n in range(4):
        await api.call("POST", f"{talk}/messages", as_=ben, json={"text": f"m{n}"})
    first = (await api.call("GET", f"{talk}/messages", as_=ana, params={"limit": "3"})).expect(200)
    assert [m["text"] for m in first["items"]] == ["m3", "m2", "m1"]
    params = {"limit": "3", "cursor": first["next_cursor"]}
    rest = (await api.call("GET", f"{talk}/messages", as_=ana, params=params)).expect(200)
    assert [m["text"] for m in rest["items"]] == ["m0", "one"]
    assert rest["next_cursor"] is None
    bad = await api.call("GET", f"{talk}/messages", as_=ana, params={"cursor": "nonsense"})
    bad.expect(422)

    cat_talk = await ask(api, _cat, "ana")
    dan = await api.register("dan")
    await api.join(dan, "circle")
    dan_talk = await ask(api, dan, "ana")
    page = (await api.call("GET", f"{BASE}/requests", as_=ana, params={"limit": "1"})).expect(200)
    assert [r["id"] for r in page["items"]] == [dan_talk["id"]]
    params = {"limit": "1", "cursor": page["next_cursor"]}
    older = (await api.call("GET", f"{BASE}/requests", as_=ana, params=params)).expect(200)
    assert [r["id"] for r in older["items"]] == [cat_talk["id"]]
    assert older["next_cursor"] is None
