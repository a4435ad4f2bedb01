"""Rules and reports through the JSON API: who may do what, and a clear 4xx for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.kinds import NodeRole
from node.storage.models.actors import Account, Actor
from tests.api_client import Api, Member

REPORTS = "/api/v1/reports"
NODE_RULES = "/api/v1/node/rules"


async def make_role(
    sessions: async_sessionmaker[AsyncSession], member: Member, role: NodeRole
) -> None:
    async with sessions.begin() as session:
        actor_id = await session.scalar(select(Actor.id).where(Actor.handle == member.username))
        await session.execute(update(Account).where(Account.actor_id == actor_id).values(role=role))


async def circle(api: Api) -> tuple[Member, Member, Member, dict[str, Any]]:
    """``ana`` owns ``circle``; ``ben`` and ``cat`` joined; ``cat`` posted."""
    ana, ben, cat = [await api.register(name) for name in ("ana", "ben", "cat")]
    await api.create_group(ana, "circle", rules=[{"title": "Be kind"}])
    for member in (ben, cat):
        await api.join(member, "circle")
    return ana, ben, cat, await api.post(cat, "circle", "Cheap pills here")


def fields(answer: Any) -> set[str]:
    return {error["field"] for error in answer.get("errors", [])}


# --- rules ------------------------------------------------------------------------------


async def test_the_admin_writes_the_node_rules_everyone_reads_them(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ada, ben = await api.register("ada"), await api.register("ben")
    await make_role(sessions, ada, NodeRole.ADMIN)
    assert (await api.call("GET", NODE_RULES)).expect(200) == {"items": []}
    body = {"rules": [{"title": "Be kind", "description": "Always"}, {"title": "No ads"}]}
    (await api.call("PUT", NODE_RULES, json=body)).expect(401)
    (await api.call("PUT", NODE_RULES, as_=ben, json=body)).expect(403)
    made = (await api.call("PUT", NODE_RULES, as_=ada, json=body)).expect(200)["items"]
    assert [(r["position"], r["title"], r["description"]) for r in made] == [
        (1, "Be kind", "Always"),
        (2, "No ads", ""),
    ]
    # Reordered by id, the other one deleted.
    again = {"rules": [{"id": made[1]["id"], "title": "No adverts"}]}
    (await api.call("PUT", NODE_RULES, as_=ada, json=again)).expect(200)
    shown = (await api.call("GET", NODE_RULES)).expect(200)["items"]
    assert shown == [{"id": made[1]["id"], "position": 1, "title": "No adverts", "description": ""}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rules": [{"title": "x" * 201}]}, "rules.0.title"),
        ({"rules": [{"title": "   "}]}, "rules[0].title"),
        ({"rules": [{"title": "ok", "id": 99}]}, "rules[0].id"),
        ({"rules": [{"title": "ok", "id": 0}]}, "rules.0.id"),
        ({"rules": [{"title": "ok", "id": 2**40}]}, "rules.0.id"),
        ({"rules": [{"title": f"r{n}"} for n in range(31)]}, "rules"),
        ({"rules": "Be kind"}, "rules"),
        ({}, "rules"),
    ],
)
async def test_bad_rules_are_422_naming_the_field(
    api: Api, sessions: async_sessionmaker[AsyncSession], body: dict[str, Any], field: str
) -> None:
    ada = await api.register("ada")
    await make_role(sessions, ada, NodeRole.ADMIN)
    answer = (await api.call("PUT", NODE_RULES, as_=ada, json=body)).expect(422)
    assert field in fields(answer)


async def test_a_groups_moderators_write_its_rules(api: Api) -> None:
    ana, ben, _, _ = await circle(api)
    [kind] = (await api.call("GET", "/api/v1/groups/circle/rules")).expect(200)["items"]
    body = {"rules": [{"title": "Stay on topic"}, {"id": kind["id"], "title": "Be kind"}]}
    (await api.call("PUT", "/api/v1/groups/circle/rules", as_=ben, json=body)).expect(403)
    made = (await api.call("PUT", "/api/v1/groups/circle/rules", as_=ana, json=body)).expect(200)
    assert [(r["position"], r["title"]) for r in made["items"]] == [
        (1, "Stay on topic"),
        (2, "Be kind"),
    ]
    group = (await api.call("GET", "/api/v1/groups/circle")).expect(200)
    assert [r["title"] for r in group["rules"]] == ["Stay on topic", "Be kind"]
    (await api.call("GET", "/api/v1/groups/nowhere/rules")).expect(404)


# --- reports ----------------------------------------------------------------------------


async def test_a_member_reports_a_post_and_the_groups_moderator_resolves_it(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ana, ben, cat, post = await circle(api)
    sam = await api.register("sam")
    await make_role(sessions, sam, NodeRole.MODERATOR)
    [rule] = (await api.call("GET", "/api/v1/groups/circle/rules")).expect(200)["items"]
    body = {"post_id": post["id"], "reason": "Selling pills", "group_rule_id": rule["id"]}
    made = (await api.call("POST", REPORTS, as_=ben, json=body)).expect(201)
    assert (made["state"], made["local"], made["post"], made["target"]) == (
        "open",
        True,
        post["id"],
        post["uri"],
    )
    assert made["group_rule"] == {"id": rule["id"], "title": "Be kind"}
    assert made["target_actor"]["handle"] == "cat"
    assert made["forward"] is False

    # The group's moderator sees it, without the reporter; node staff see who.
    [queued] = await api.items(ana, "/api/v1/groups/circle/reports")
    assert (queued["id"], queued["reporter"]) == (made["id"], None)
    assert [r["id"] for r in await api.items(ana, REPORTS)] == [made["id"]]
    [for_staff] = await api.items(sam, REPORTS)
    assert for_staff["reporter"]["handle"] == "ben"
    # Nobody else sees anything.
    (await api.call("GET", REPORTS, as_=cat)).expect(403)
    (await api.call("GET", "/api/v1/groups/circle/reports", as_=cat)).expect(403)
    (await api.call("GET", f"{REPORTS}/{made['id']}", as_=cat)).expect(404)

    resolved = await api.call(
        "POST", f"{REPORTS}/{made['id']}/resolve", as_=ana, json={"note": "removed it"}
    )
    assert (resolved.expect(200)["state"], resolved.json["resolution"]) == (
        "resolved",
        "removed it",
    )
    again = await api.call("POST", f"{REPORTS}/{made['id']}/dismiss", as_=ana, json={})
    assert again.expect(409)["code"] == "conflict"
    assert await api.items(ana, REPORTS) == []  # the open queue is empty ...
    assert len(await api.items(ana, f"{REPORTS}?state=all")) == 1  # ... the rest is kept
    # The reporter follows it: its state, not the note or who.
    own = (await api.call("GET", f"{REPORTS}/{made['id']}", as_=ben)).expect(200)
    assert (own["state"], own["resolution"], own["resolved_by"]) == ("resolved", "", None)
    [mine] = await api.items(ben, f"{REPORTS}?mine=true&state=all")
    assert mine["id"] == made["id"]

    [entry] = await api.items(None, "/api/v1/groups/circle/modlog")
    assert (entry["action"], entry["target"], entry["reason"]) == (
        "resolve_report",
        post["uri"],
        "",
    )


async def test_reporting_a_member_and_dismissing_it(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, ben, _, _ = await circle(api)
    sam = await api.register("sam")
    await make_role(sessions, sam, NodeRole.ADMIN)
    made = (
        await api.call("POST", REPORTS, as_=ben, json={"acct": "cat", "reason": "rude"})
    ).expect(201)
    assert (made["group"], made["post"], made["target_actor"]["handle"]) == (None, None, "cat")
    (await api.call("POST", f"{REPORTS}/{made['id']}/dismiss", as_=ben, json={})).expect(403)
    done = await api.call("POST", f"{REPORTS}/{made['id']}/dismiss", as_=sam, json={})
    assert done.expect(200)["state"] == "dismissed"


async def test_the_same_thing_twice_while_open_is_409(api: Api) -> None:
    _, ben, _, post = await circle(api)
    body = {"post_id": post["id"], "reason": "spam"}
    (await api.call("POST", REPORTS, as_=ben, json=body)).expect(201)
    again = (await api.call("POST", REPORTS, as_=ben, json=body)).expect(409)
    assert "still open" in again["detail"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"reason": "spam"}, 422, "post_id"),  # neither post nor member
        ({"post_id": "P", "acct": "cat", "reason": "spam"}, 422, "post_id"),  # both
        ({"post_id": "P", "reason": "x" * 1001}, 422, "reason"),
        ({"post_id": "P", "reason": " "}, 422, "reason"),
        ({"post_id": "P", "reason": "spam", "group_rule_id": "1"}, 422, "group_rule_id"),
        ({"post_id": "P", "reason": "spam", "group_rule_id": 0}, 422, "group_rule_id"),
        ({"post_id": "P", "reason": "spam", "node_rule_id": 2**40}, 422, "node_rule_id"),
        ({"post_id": "P", "reason": "spam", "node_rule_id": 5}, 422, "node_rule_id"),
        ({"post_id": "P", "reason": "spam", "forward": "yes"}, 422, "forward"),
        ({"post_id": "P", "reason": "spam", "reporter": "x"}, 422, "reporter"),
        ({"post_id": "P", "reason": "spam", "group_rule_id": 999}, 422, "group_rule_id"),
        ({"acct": "cat", "reason": "spam", "group_rule_id": 1}, 422, "group_rule_id"),
        ({"post_id": "nothing-here", "reason": "spam"}, 404, None),
        ({"acct": "nobody", "reason": "spam"}, 404, None),
        ({"acct": "ben", "reason": "me"}, 403, None),
    ],
)
async def test_bad_reports_get_a_clear_answer(
    api: Api, body: dict[str, Any], status: int, field: str | None
) -> None:
    _, ben, _, post = await circle(api)
    if body.get("post_id") == "P":
        body = {**body, "post_id": post["id"]}
    answer = (await api.call("POST", REPORTS, as_=ben, json=body)).expect(status)
    if field is not None:
        assert fields(answer) == {field}


async def test_ones_own_post_is_not_reported(api: Api) -> None:
    _, _, cat, post = await circle(api)
    answer = await api.call("POST", REPORTS, as_=cat, json={"post_id": post["id"], "reason": "x"})
    assert answer.expect(403)["code"] == "forbidden"
    (await api.call("POST", REPORTS, json={"post_id": post["id"], "reason": "x"})).expect(401)


@pytest.mark.parametrize(
    "query", ["state=closed", "limit=0", "cursor=garbage", "mine=perhaps", "limit=101"]
)
async def test_bad_queue_queries_are_422(api: Api, query: str) -> None:
    ana, _, _, _ = await circle(api)
    (await api.call("GET", f"{REPORTS}?{query}", as_=ana)).expect(422)
    if not query.startswith("mine"):  # unknown there, so ignored
        (await api.call("GET", f"/api/v1/groups/circle/reports?{query}", as_=ana)).expect(422)


async def test_closing_checks_the_note_and_the_report(api: Api) -> None:
    ana, ben, _, post = await circle(api)
    made = (
        await api.call("POST", REPORTS, as_=ben, json={"post_id": post["id"], "reason": "x"})
    ).expect(201)
    long_note = {"note": "x" * 1001}
    answer = (
        await api.call("POST", f"{REPORTS}/{made['id']}/resolve", as_=ana, json=long_note)
    ).expect(422)
    assert fields(answer) == {"note"}
    (await api.call("POST", f"{REPORTS}/nothing/resolve", as_=ana, json={})).expect(404)
    (await api.call("POST", f"{REPORTS}/{made['id']}/resolve", as_=ana)).expect(415)
