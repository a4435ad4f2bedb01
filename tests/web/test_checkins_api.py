"""Check-ins through the JSON API, as their member and everyone else see them: record,
list a page at a time, read, the chart's points, delete; share one with a group, where
it is a post with its scale; anyone else, an admin too, finds nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.kinds import NodeRole
from tests.api_client import Api
from tests.web.test_reports_api import make_role

BASE = "/api/v1/checkins"


async def test_record_list_read_and_delete(api: Api) -> None:
    ana = await api.register("ana")
    first = (
        await api.call(
            "POST", BASE, as_=ana, json={"scale": 2, "words": ["tired"], "note": "Long week."}
        )
    ).expect(201)
    assert first["scale_words"] == "low"
    assert first["words"] == ["tired"]
    assert first["crisis_prompt"] is False
    assert first["shared_post"] is None
    second = (await api.call("POST", BASE, as_=ana, json={"scale": 4})).expect(201)

    page = (await api.call("GET", f"{BASE}?limit=1", as_=ana)).expect(200)
    assert [c["id"] for c in page["items"]] == [second["id"]]
    rest = (await api.call("GET", f"{BASE}?cursor={page['next_cursor']}", as_=ana)).expect(200)
    assert [c["id"] for c in rest["items"]] == [first["id"]]
    assert rest["next_cursor"] is None

    history = (await api.call("GET", f"{BASE}/history?days=90", as_=ana)).expect(200)
    assert [p["scale"] for p in history["points"]] == [2, 4]
    (await api.call("GET", f"{BASE}/history?days=7", as_=ana)).expect(422)

    shown = (await api.call("GET", f"{BASE}/{first['id']}", as_=ana)).expect(200)
    assert shown["note"] == "Long week."
    (await api.call("DELETE", f"{BASE}/{first['id']}", as_=ana)).expect(204)
    (await api.call("GET", f"{BASE}/{first['id']}", as_=ana)).expect(404)


async def test_precise_problems(api: Api) -> None:
    ana = await api.register("ana")
    (await api.call("POST", BASE, json={"scale": 3})).expect(401)
    (await api.call("GET", BASE)).expect(401)
    for body in (
        {"scale": 0},
        {"scale": 6},
        {"scale": "3"},
        {"scale": 3, "words": ["a", "b", "c", "d", "e", "f"]},
        {"scale": 3, "words": ["x" * 41]},
        {"scale": 3, "mood": "?"},
    ):
        problem = (await api.call("POST", BASE, as_=ana, json=body)).expect(422)
        assert problem["code"] == "invalid"
    (await api.call("GET", f"{BASE}?cursor=nonsense", as_=ana)).expect(422)


async def test_nobody_else_finds_a_check_in(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ana, ben, ada = [await api.register(name) for name in ("ana", "ben", "ada")]
    await make_role(sessions, ada, NodeRole.ADMIN)
    mine = (await api.call("POST", BASE, as_=ana, json={"scale": 1})).expect(201)
    for other in (ben, ada):
        (await api.call("GET", f"{BASE}/{mine['id']}", as_=other)).expect(404)
        (await api.call("DELETE", f"{BASE}/{mine['id']}", as_=other)).expect(404)
        share = {"group": "circle"}
        (await api.call("POST", f"{BASE}/{mine['id']}/share", as_=other, json=share)).expect(404)
        assert await api.items(other, BASE) == []
    (await api.call("GET", f"{BASE}/{mine['id']}")).expect(401)


async def test_sharing_with_a_group(api: Api) -> None:
    ana, ben, cat = [await api.register(name) for name in ("ana", "ben", "cat")]
    await api.create_group(ana, "circle")
    await api.join(ben, "circle")
    recorded = (
        await api.call(
            "POST", BASE, as_=ben, json={"scale": 3, "words": ["tired", "hopeful"], "note": "Hi."}
        )
    ).expect(201)
    share = f"{BASE}/{recorded['id']}/share"
    # cat is not in the group: cat cannot share there (nor see ben's check-in at all).
    mine = (await api.call("POST", BASE, as_=cat, json={"scale": 3})).expect(201)
    refused = await api.call(
        "POST", f"{BASE}/{mine['id']}/share", as_=cat, json={"group": "circle"}
    )
    refused.expect(403)
    (await api.call("POST", share, as_=ben, json={"group": "nowhere"})).expect(404)

    post = (await api.call("POST", share, as_=ben, json={"group": "circle"})).expect(201)
    assert post["check_in_scale"] == 3
    assert "Check-in: okay — tired, hopeful" in post["content_html"]
    assert post["crisis_prompt"] is False
    seen = (await api.call("GET", f"/api/v1/posts/{post['id']}", as_=ana)).expect(200)
    assert seen["check_in_scale"] == 3
    again = (await api.call("POST", share, as_=ben, json={"group": "circle"})).expect(409)
    assert again["code"] == "conflict"
    listed = await api.items(ben, BASE)
    assert listed[0]["shared_post"] == post["id"]
    assert listed[0]["shared_group"].startswith("circle@")


async def test_crisis_words_bring_the_prompt(api: Api) -> None:
    ana = await api.register("ana")
    await api.create_group(ana, "circle")
    body = {"scale": 1, "words": ["numb"], "note": "I want to die."}
    recorded = (await api.call("POST", BASE, as_=ana, json=body)).expect(201)
    assert recorded["crisis_prompt"] is True
    share = f"{BASE}/{recorded['id']}/share"
    post = (await api.call("POST", share, as_=ana, json={"group": "circle"})).expect(201)
    assert post["crisis_prompt"] is True


async def test_the_document_names_every_check_in_endpoint(api: Api) -> None:
    document = (await api.call("GET", "/api/openapi.json")).expect(200)
    paths = document["paths"]
    assert set(paths[BASE]) == {"get", "post"}
    assert set(paths[f"{BASE}/{{id}}"]) == {"get", "delete"}
    assert set(paths[f"{BASE}/{{id}}/share"]) == {"post"}
    assert "history" in paths[f"{BASE}/history"]["get"]["operationId"]
