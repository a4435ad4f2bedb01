"""Meetings through the JSON API, as a group's moderator, its members and passers-by see
them: schedule, list the coming occurrences, answer, the waiting list and approval,
participants, facilitators, cancelling and moving, and precise refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from node.kinds import ActorKind, NotificationKind
from node.notifications import MeetingSubject, NotificationEntry
from node.views import ActorRef
from tests.api_client import Api, Member
from tests.clocks import ManualClock
from tests.conftest import Client
from web.keys import WORKERS
from web.notification_paths import subject_path
from web.pages.i18n import load_translations
from web.pages.notifications import describe

GROUP = "/api/v1/groups/circle/meetings"
BASE = "/api/v1/meetings"
LINK = "https://meet.example/circle-room"
WEEKLY = {
    "title": "Thursday circle",
    "starts_local": "2027-03-18T19:00:00",
    "time_zone": "Europe/Berlin",
    "duration_minutes": 90,
    "recurrence": "weekly",
    "description": "We *meet*.",
    "online_url": LINK,
}


async def circle(api: Api, *names: str, **group: Any) -> tuple[Member, list[Member]]:
    mod = await api.register("mod")
    await api.create_group(mod, "circle", **group)
    members = []
    for name in names:
        member = await api.register(name)
        await api.join(member, "circle")
        members.append(member)
    return mod, members


async def schedule(api: Api, mod: Member, **fields: Any) -> Any:
    return (await api.call("POST", GROUP, as_=mod, json={**WEEKLY, **fields})).expect(201)


async def answer(api: Api, member: Member, meeting: str, state: str = "going") -> Any:
    path = f"{BASE}/{meeting}/participation"
    return (await api.call("PUT", path, as_=member, json={"state": state})).expect(200)


async def test_schedule_list_and_answer(api: Api) -> None:
    mod, (ana,) = await circle(api, "ana")
    meeting = await schedule(api, mod, count=3)
    assert meeting["description_html"] == "<p>We <em>meet</em>.</p>"
    assert meeting["starts_at"].startswith("2027-03-18T18:00:00")
    assert meeting["can_manage"] is True
    coming = await api.items(None, GROUP)
    assert [o["starts_local"] for o in coming] == [
        "2027-03-18T19:00:00",
        "2027-03-25T19:00:00",
        "2027-04-01T19:00:00",
    ]
    assert [o["starts_at"][11:16] for o in coming] == ["18:00", "18:00", "17:00"]
    assert coming[0]["meeting"]["online_url"] is None  # for attendees only
    paged = (await api.call("GET", GROUP, params={"limit": "2"})).expect(200)
    rest = (await api.call("GET", GROUP, params={"cursor": paged["next_cursor"]})).expect(200)
    assert [o["date"] for o in rest["items"]] == ["2027-04-01"]

    going = await answer(api, ana, meeting["id"])
    assert (going["my_answer"], going["online_url"]) == ("going", LINK)
    mine = (await api.call("GET", f"{BASE}/{meeting['id']}/participation", as_=ana)).expect(200)
    assert mine == {"state": "going"}
    assert [m["id"] for m in await api.items(ana, f"{BASE}/mine")] == [meeting["id"]]
    (await api.call("DELETE", f"{BASE}/{meeting['id']}/participation", as_=ana)).expect(204)
    assert await api.items(ana, f"{BASE}/mine") == []


async def test_the_waiting_list_through_the_api(api: Api) -> None:
    mod, people = await circle(api, "ana", "ben", "cat", "dan")
    meeting = await schedule(api, mod, capacity=3)
    for member in people[:3]:
        assert (await answer(api, member, meeting["id"]))["my_answer"] == "going"
    waiting = await answer(api, people[3], meeting["id"])
    assert (waiting["my_answer"], waiting["remaining"], waiting["online_url"]) == (
        "waiting",
        0,
        None,
    )
    (await api.call("DELETE", f"{BASE}/{meeting['id']}/participation", as_=people[1])).expect(204)
    promoted = (await api.call("GET", f"{BASE}/{meeting['id']}", as_=people[3])).expect(200)
    assert (promoted["my_answer"], promoted["online_url"]) == ("going", LINK)


async def test_approval_and_participants(api: Api) -> None:
    mod, (ana, ben, fay) = await circle(api, "ana", "ben", "fay")
    meeting = await schedule(api, mod, join_mode="approval", anonymous_attendance=True)
    one = f"{BASE}/{meeting['id']}"
    (await api.call("PUT", f"{one}/facilitators/fay", as_=ana)).expect(403)
    (await api.call("PUT", f"{one}/facilitators/fay", as_=mod)).expect(204)
    assert (await answer(api, ana, meeting["id"]))["my_answer"] == "pending"
    counts = (await api.call("GET", f"{one}/participants", as_=ben)).expect(200)
    assert counts == {
        "going": 0,
        "maybe": 0,
        "waiting": 0,
        "pending": 0,
        "names_shown": False,
        "participants": [],
    }
    seen = (await api.call("GET", f"{one}/participants", as_=fay)).expect(200)
    assert [(p["member"]["handle"], p["state"]) for p in seen["participants"]] == [
        ("ana", "pending")
    ]
    (await api.call("POST", f"{one}/participants/ana/accept", as_=ben)).expect(403)
    accepted = (await api.call("POST", f"{one}/participants/ana/accept", as_=fay)).expect(200)
    assert accepted["state"] == "going"
    again = await api.call("POST", f"{one}/participants/ana/accept", as_=fay)
    assert again.expect(409)["code"] == "conflict"
    (await api.call("POST", f"{one}/participants/nobody/decline", as_=fay)).expect(404)
    (await api.call("DELETE", f"{one}/facilitators/fay", as_=mod)).expect(204)
    (await api.call("DELETE", f"{one}/facilitators/fay", as_=mod)).expect(404)


async def test_cancel_move_edit_and_cancel_the_series(api: Api) -> None:
    mod, (ana,) = await circle(api, "ana")
    meeting = await schedule(api, mod, count=3)
    one = f"{BASE}/{meeting['id']}"
    await answer(api, ana, meeting["id"])
    (await api.call("POST", f"{one}/occurrences/2027-03-25/cancel", as_=ana)).expect(403)
    cancelled = (await api.call("POST", f"{one}/occurrences/2027-03-25/cancel", as_=mod)).expect(
        200
    )
    assert cancelled["exceptions"] == [{"date": "2027-03-25", "cancelled": True, "moved_to": None}]
    (await api.call("POST", f"{one}/occurrences/2027-03-26/cancel", as_=mod)).expect(404)
    (await api.call("POST", f"{one}/occurrences/someday/cancel", as_=mod)).expect(404)
    moved = await api.call(
        "POST",
        f"{one}/occurrences/2027-04-01/move",
        as_=mod,
        json={"starts_local": "2027-04-02T18:30:00"},
    )
    assert moved.expect(200)["sequence"] == 2
    coming = await api.items(ana, GROUP)
    assert [(o["date"], o["starts_local"], o["moved"]) for o in coming] == [
        ("2027-03-18", "2027-03-18T19:00:00", False),
        ("2027-04-01", "2027-04-02T18:30:00", True),
    ]
    edited = (
        await api.call("PATCH", one, as_=mod, json={"title": "Circle", "capacity": 8})
    ).expect(200)
    assert (edited["title"], edited["capacity"], edited["online_url"]) == ("Circle", 8, LINK)
    (await api.call("PATCH", one, as_=ana, json={"title": "Mine"})).expect(403)
    bad = (await api.call("PATCH", one, as_=mod, json={"time_zone": "Nowhere/Land"})).expect(422)
    assert bad["code"] == "invalid"
    (await api.call("DELETE", one, as_=mod)).expect(204)
    assert (await api.call("GET", one, as_=ana)).expect(200)["cancelled"] is True
    (await api.call("PUT", f"{one}/participation", as_=ana, json={"state": "going"})).expect(409)
    assert await api.items(ana, GROUP) == []


async def test_refusals_are_precise(api: Api) -> None:
    mod, (ana,) = await circle(api, "ana", visibility="private")
    stranger = await api.register("zed")
    (await api.call("POST", GROUP, json=WEEKLY)).expect(401)
    (await api.call("POST", GROUP, as_=ana, json=WEEKLY)).expect(403)
    meeting = await schedule(api, mod)
    one = f"{BASE}/{meeting['id']}"
    for who in (None, stranger):
        (await api.call("GET", one, as_=who)).expect(404)
        (await api.call("GET", GROUP, as_=who)).expect(404)
    (await api.call("PUT", f"{one}/participation", as_=stranger, json={"state": "going"})).expect(
        404
    )
    wrong = await api.call("PUT", f"{one}/participation", as_=ana, json={"state": "waiting"})
    assert wrong.expect(422)["code"] == "invalid"
    (await api.call("PUT", f"{one}/participation", as_=ana, json={"state": "sure"})).expect(422)
    (await api.call("GET", f"{BASE}/nothing-here", as_=ana)).expect(404)
    (await api.call("POST", GROUP, as_=mod, json={**WEEKLY, "duration_minutes": 0})).expect(422)
    (await api.call("POST", GROUP, as_=mod, json={**WEEKLY, "extra": 1})).expect(422)
    (await api.call("GET", f"{BASE}/mine")).expect(401)
    nulled = await api.call("PATCH", one, as_=mod, json={"recurrence": None})
    assert nulled.expect(422)["errors"][0]["field"] == "recurrence"
    cleared = (await api.call("PATCH", one, as_=mod, json={"capacity": None})).expect(200)
    assert cleared["capacity"] is None


async def test_the_api_document_names_the_meeting_endpoints(api: Api) -> None:
    document = (await api.call("GET", "/api/openapi.json")).expect(200)
    paths = document["paths"]
    assert "/api/v1/meetings/{id}/participation" in paths
    assert set(paths["/api/v1/groups/{name}/meetings"]) >= {"get", "post"}
    assert "/api/v1/calendar" in paths


@pytest.mark.parametrize(
    ("meeting", "path"),
    [
        # Older notifications, made before they kept their meeting: the group's page.
        (None, "/groups/circle"),
        (MeetingSubject("01ABC", "Grief café"), "/meetings/01ABC"),
    ],
)
def test_every_meeting_notification_has_its_sentence_in_each_language(
    meeting: MeetingSubject | None, path: str
) -> None:
    translations = load_translations()
    group = ActorRef("https://x.example/g/circle", ActorKind.GROUP, "circle", "x.example", "", True)
    kinds = [kind for kind in NotificationKind if kind.value.startswith("meeting_")]
    assert len(kinds) == 6
    for code in ("en", "de", "fr"):
        gettext, ngettext = translations[code].gettext, translations[code].ngettext
        sentences = set()
        for kind in kinds:
            entry = NotificationEntry(
                id=1,
                kind=kind,
                count=1,
                newest_at=datetime(2027, 3, 18, tzinfo=UTC),
                read=False,
                actor=None,
                anonymous=False,
                post=None,
                group=group,
                conversation_id=None,
                reason="",
                meeting=meeting,
            )
            sentence = describe(entry, gettext, ngettext)
            assert "circle" in sentence
            # A notification that knows its meeting names it.
            assert meeting is None or meeting.title in sentence
            sentences.add(sentence)
        assert len(sentences) == 6
    assert subject_path(entry, "x.example") == path
    assert (
        describe_in("de", NotificationKind.MEETING_CANCELLED, group, translations)
        == "Ein Treffen von circle, zu dem du kommen wolltest, wurde abgesagt."
    )


def describe_in(
    code: str, kind: NotificationKind, group: ActorRef, translations: dict[str, Any]
) -> str:
    entry = NotificationEntry(
        id=1,
        kind=kind,
        count=1,
        newest_at=datetime(2027, 3, 18, tzinfo=UTC),
        read=False,
        actor=None,
        anonymous=False,
        post=None,
        group=group,
        conversation_id=None,
        reason="",
    )
    return describe(entry, translations[code].gettext, translations[code].ngettext)


async def test_the_nodes_workers_send_the_reminders(
    mail_client: Client, clock: ManualClock
) -> None:
    api = Api(mail_client)
    mod, (ana,) = await circle(api, "ana")
    tomorrow = {"recurrence": "none", "starts_local": "2026-11-22T19:00:00"}  # 18:00 UTC
    meeting = await schedule(api, mod, **tomorrow)
    await answer(api, ana, meeting["id"])
    await mail_client.app[WORKERS].run_once()
    assert await api.items(ana, "/api/v1/notifications") == []
    clock.now = datetime(2026, 11, 21, 19, 0, tzinfo=UTC)  # 23 hours before
    await mail_client.app[WORKERS].run_once()
    await mail_client.app[WORKERS].run_once()
    told = await api.items(ana, "/api/v1/notifications")
    assert [(n["kind"], n["group"]["handle"]) for n in told] == [("meeting_reminder", "circle")]
