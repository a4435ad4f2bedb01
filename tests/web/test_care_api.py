"""Care reports through the JSON API: "I'm worried about this person" reaches the member as
a kind message with resources, never the reporter's name or words, and its own queue."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.crisis.editing import set_node_resources
from node.crisis.resources import ResourceEntry
from node.kinds import ContactKind, NodeRole
from node.views import Viewer
from tests.api_client import Api
from tests.web.test_reports_api import circle, make_role

CARE = "/api/v1/care-reports"
MESSAGES = "/api/v1/care-messages"
REPORTS = "/api/v1/reports"
COUNTS = "/api/v1/moderation/queue-counts"
STEPPING_BACK = "/api/v1/moderation/stepping-back"
LINES = (
    ResourceEntry("Samaritans", ContactKind.PHONE, "116 123"),
    ResourceEntry("Crisis chat", ContactKind.WEB, "https://chat.example/help"),
)
GRIEF_LINE = {"name": "Grief line", "kind": "phone", "value": "0800 123 456"}


async def _crisis_lines(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        admin = Viewer(account_id=0, actor_id=0, role=NodeRole.ADMIN)
        await set_node_resources(session, admin, LINES)


async def test_a_care_report_leaves_the_author_a_kind_message_without_the_reporter(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _crisis_lines(sessions)
    ana, ben, cat, post = await circle(api)
    group_lines = {"resources": [GRIEF_LINE]}
    put = await api.call("PUT", "/api/v1/groups/circle/crisis-resources", as_=ana, json=group_lines)
    put.expect(200)
    body = {"post_id": post["id"], "reason": "Ben's words: she sounds so alone"}
    (await api.call("POST", CARE, json=body)).expect(401)
    filed = (await api.call("POST", CARE, as_=ben, json=body)).expect(201)
    assert filed["reach"] == "here"
    assert filed["report"]["kind"] == "care"
    # A second one while the first is open is refused; a rule report is another matter.
    (await api.call("POST", CARE, as_=ben, json=body)).expect(409)
    (await api.call("POST", CARE, as_=cat, json={"post_id": post["id"]})).expect(403)

    (await api.call("GET", MESSAGES)).expect(401)
    assert (await api.call("GET", MESSAGES, as_=ben)).expect(200)["items"] == []
    messages = (await api.call("GET", MESSAGES, as_=cat)).expect(200)["items"]
    assert len(messages) == 1
    message = messages[0]
    assert message["group"]["handle"] == "circle"
    # The group's own line first, then the node's.
    assert [(r["name"], r["href"]) for r in message["resources"]] == [
        ("Grief line", "tel:0800123456"),
        ("Samaritans", "tel:116123"),
        ("Crisis chat", "https://chat.example/help"),
    ]
    assert message["read_at"] is None
    said = str(messages)
    assert "ben" not in said
    assert "alone" not in said

    # Another member worried about her adds no second unread message.
    dan = await api.register("dan")
    await api.join(dan, "circle")
    (await api.call("POST", CARE, as_=dan, json={"post_id": post["id"]})).expect(201)
    assert len((await api.call("GET", MESSAGES, as_=cat)).expect(200)["items"]) == 1

    (await api.call("POST", f"{MESSAGES}/{message['id']}/read", as_=ben)).expect(404)
    read = (await api.call("POST", f"{MESSAGES}/{message['id']}/read", as_=cat)).expect(200)
    assert read["read_at"] is not None


async def test_the_care_queue_reaches_out_shares_resources_and_closes(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ana, ben, cat, post = await circle(api)
    filed = (await api.call("POST", CARE, as_=ben, json={"post_id": post["id"]})).expect(201)
    report_id = filed["report"]["id"]
    care = (await api.call("GET", REPORTS + "?kind=care", as_=ana)).expect(200)["items"]
    assert [r["id"] for r in care] == [report_id]
    assert care[0]["reporter"] is None  # a group's moderator never sees who
    assert (await api.call("GET", REPORTS + "?kind=rule", as_=ana)).expect(200)["items"] == []
    (await api.call("POST", f"{REPORTS}/{report_id}/reach-out", as_=ben)).expect(403)
    reaching = (await api.call("POST", f"{REPORTS}/{report_id}/reach-out", as_=ana)).expect(200)
    assert reaching["reaching_out"]["handle"] == "ana"
    # Her first message is unread: sharing again adds none; once read, it does.
    shared = await api.call("POST", f"{REPORTS}/{report_id}/share-resources", as_=ana)
    assert shared.expect(200) == {"sent": False}
    first = (await api.call("GET", MESSAGES, as_=cat)).expect(200)["items"][0]
    (await api.call("POST", f"{MESSAGES}/{first['id']}/read", as_=cat)).expect(200)
    shared = await api.call("POST", f"{REPORTS}/{report_id}/share-resources", as_=ana)
    assert shared.expect(200) == {"sent": True}
    assert len((await api.call("GET", MESSAGES, as_=cat)).expect(200)["items"]) == 2
    (await api.call("POST", f"{REPORTS}/{report_id}/resolve", as_=ana, json={})).expect(200)
    (await api.call("POST", f"{REPORTS}/{report_id}/reach-out", as_=ana)).expect(409)
    # Closing it is kept out of the group's public log: who was cared for is nobody's business.
    log = (await api.call("GET", "/api/v1/groups/circle/modlog")).expect(200)["items"]
    assert log == []


async def test_a_care_report_about_a_member_goes_to_node_staff(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ana, ben, cat, _post = await circle(api)
    ada = await api.register("ada")
    await make_role(sessions, ada, NodeRole.ADMIN)
    filed = (await api.call("POST", CARE, as_=ben, json={"acct": "cat"})).expect(201)
    assert filed["reach"] == "here"
    assert filed["report"]["group"] is None
    staff = (await api.call("GET", REPORTS + "?kind=care", as_=ada)).expect(200)["items"]
    assert [r["id"] for r in staff] == [filed["report"]["id"]]
    assert staff[0]["reporter"]["handle"] == "ben"  # staff alone see who
    (await api.call("GET", REPORTS + "?kind=care", as_=ana)).expect(200)
    mine = (await api.call("GET", REPORTS + "?mine=true", as_=ben)).expect(200)["items"]
    assert [r["kind"] for r in mine] == ["care"]
    messages = (await api.call("GET", MESSAGES, as_=cat)).expect(200)["items"]
    assert messages[0]["group"] is None


async def test_a_moderator_steps_back_and_the_counts_say_what_waits(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ana, ben, _cat, post = await circle(api)
    (await api.call("POST", CARE, as_=ben, json={"post_id": post["id"]})).expect(201)
    body = {"post_id": post["id"], "reason": "Unkind"}
    (await api.call("POST", REPORTS, as_=ben, json=body)).expect(201)
    counts = (await api.call("GET", COUNTS, as_=ana)).expect(200)
    assert counts == {"rule_reports": 1, "care_reports": 1, "joins": 0, "held": 0}
    (await api.call("GET", COUNTS, as_=ben)).expect(403)

    (await api.call("PUT", STEPPING_BACK, as_=ben, json={})).expect(403)
    past = {"until": "2000-01-01T00:00:00Z"}
    (await api.call("PUT", STEPPING_BACK, as_=ana, json=past)).expect(422)
    away = (await api.call("PUT", STEPPING_BACK, as_=ana, json={"until": None})).expect(200)
    assert (away["moderator"]["handle"], away["until"]) == ("ana", None)
    # A co-moderator sees her stepping back; she sees herself.
    dan = await api.register("dan")
    await api.join(dan, "circle")
    await make_role(sessions, dan, NodeRole.MODERATOR)
    state = (await api.call("GET", STEPPING_BACK, as_=dan)).expect(200)
    assert [m["moderator"]["handle"] for m in state["co_moderators"]] == ["ana"]
    assert (await api.call("GET", STEPPING_BACK, as_=ana)).expect(200)["me"] is not None
    (await api.call("DELETE", STEPPING_BACK, as_=ana)).expect(204)
    state = (await api.call("GET", STEPPING_BACK, as_=ana)).expect(200)
    assert state == {"me": None, "co_moderators": []}


async def test_a_moderator_stepping_back_finds_the_queue_quiet_in_the_api_too(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Stepping back is the same through an app as on the pages: the reports they work
    and the counts are empty for them until they come back; their own reports stay."""
    ana, ben, _cat, post = await circle(api)
    (await api.call("POST", CARE, as_=ben, json={"post_id": post["id"]})).expect(201)
    body = {"post_id": post["id"], "reason": "Unkind"}
    (await api.call("POST", REPORTS, as_=ben, json=body)).expect(201)
    (await api.call("POST", REPORTS, as_=ana, json=body)).expect(201)
    working = f"{REPORTS}?kind=all"
    assert len((await api.call("GET", working, as_=ana)).expect(200)["items"]) == 3

    (await api.call("PUT", STEPPING_BACK, as_=ana, json={"until": None})).expect(200)
    assert (await api.call("GET", working, as_=ana)).expect(200)["items"] == []
    group_queue = (await api.call("GET", "/api/v1/groups/circle/reports", as_=ana)).expect(200)
    assert group_queue["items"] == []
    counts = (await api.call("GET", COUNTS, as_=ana)).expect(200)
    assert counts == {"rule_reports": 0, "care_reports": 0, "joins": 0, "held": 0}
    mine = (await api.call("GET", f"{REPORTS}?mine=true", as_=ana)).expect(200)
    assert len(mine["items"]) == 1

    (await api.call("DELETE", STEPPING_BACK, as_=ana)).expect(204)
    assert len((await api.call("GET", working, as_=ana)).expect(200)["items"]) == 3
