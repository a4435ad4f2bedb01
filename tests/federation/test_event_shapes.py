"""A meeting as other servers read it: an ``Event`` shaped as Mobilizon's, attributed to
its group, with the next occurrence for everyone and the whole series in
``kinfolk:recurrence`` for other Kinfolk nodes; every term defined for a JSON-LD peer;
the place and link kept for attendees in no document anyone may fetch, and a private
group's Event never public."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.protocol import activities
from federation.protocol.events import (
    EVENT_CONTEXT,
    event_of,
    join_answer,
    meeting_named,
    private_update,
    with_details,
)
from federation.protocol.vocab import PUBLIC, with_context
from node.meetings.hosted import hosted_by_id
from node.site import Site
from node.storage.models.meetings import Meeting
from tests.api_client import Api, Member
from tests.jsonld import expand, expand_all, undefined_terms
from tests.shared_fixtures import activitypub_fixture

AP = {"Accept": "application/activity+json"}
KINFOLK = "https://w3id.org/kinfolk/ns#"
LINK = "https://meet.example/lantern-4417"
PLACE = "Community hall, Birch Lane 27"
WEEKLY = {
    "title": "Thursday lantern circle",
    "starts_local": "2027-03-18T19:00:00",
    "time_zone": "Europe/Berlin",
    "duration_minutes": 90,
    "recurrence": "weekly",
    "description": "We *meet* and talk.",
    "online_url": LINK,
    "place": PLACE,
    "capacity": 3,
    "join_mode": "approval",
    "content_warning": "Talk of loss",
    "topics": ["grief-and-loss"],
}
# What a Mobilizon Event carries that we send too (its own category, uuid, draft, contacts,
# language and picture are Mobilizon's own affairs).
MOBILIZON_FIELDS = {
    "id",
    "type",
    "name",
    "content",
    "mediaType",
    "attributedTo",
    "actor",
    "to",
    "cc",
    "url",
    "startTime",
    "endTime",
    "timezone",
    "isOnline",
    "joinMode",
    "maximumAttendeeCapacity",
    "remainingAttendeeCapacity",
    "participantCount",
    "anonymousParticipationEnabled",
    "repliesModerationOption",
    "commentsEnabled",
    "ical:status",
    "published",
    "updated",
    "tag",
}


async def _scheduled(api: Api, *, private: bool = False, **changes: Any) -> tuple[Member, str]:
    mod = await api.register("mod")
    await api.create_group(mod, "circle", **({"visibility": "private"} if private else {}))
    made = await api.call(
        "POST", "/api/v1/groups/circle/meetings", as_=mod, json={**WEEKLY, **changes}
    )
    return mod, made.expect(201)["id"]


async def _fetched(api: Api, public_id: str) -> tuple[int, str]:
    async with api.client.get(f"/meetings/{public_id}", headers=AP) as response:
        return response.status, await response.text()


async def _hosted(sessions: async_sessionmaker[AsyncSession], public_id: str, now: datetime) -> Any:
    async with sessions() as session:
        row = await session.scalar(select(Meeting.id).where(Meeting.public_id == public_id))
        assert row is not None
        return await hosted_by_id(session, row, now)


async def test_a_meeting_is_an_event_shaped_as_mobilizons(api: Api, site: Site) -> None:
    _, public_id = await _scheduled(api)
    status, text = await _fetched(api, public_id)
    assert status == 200
    document = json.loads(text)
    mobilizon = activitypub_fixture("mobilizon/objects/event.json")
    assert set(mobilizon) | {"mediaType"} >= MOBILIZON_FIELDS
    assert set(document) >= MOBILIZON_FIELDS
    base = site.base_url
    group = f"{base}/groups/circle"
    assert document["id"] == document["url"] == f"{base}/meetings/{public_id}"
    assert meeting_named(base, document["id"]) == public_id
    assert (document["type"], document["attributedTo"], document["actor"]) == (
        "Event",
        group,
        group,
    )
    assert document["to"] == [group, PUBLIC]
    assert document["cc"] == [f"{group}/followers"]
    # The first occurrence is the next one; 19:00 in Berlin is 18:00 UTC in March.
    assert (document["startTime"], document["endTime"]) == (
        "2027-03-18T18:00:00Z",
        "2027-03-18T19:30:00Z",
    )
    assert document["timezone"] == "Europe/Berlin"
    assert document["joinMode"] == "restricted"
    assert (document["maximumAttendeeCapacity"], document["remainingAttendeeCapacity"]) == (3, 3)
    assert document["participantCount"] == 0
    assert document["isOnline"] is True
    assert document["repliesModerationOption"] == "closed"
    assert (document["summary"], document["sensitive"]) == ("Talk of loss", True)
    assert [tag["type"] for tag in document["tag"]] == ["SupportTopic"]
    assert "<em>meet</em>" in document["content"]
    assert document["recurrence"] == {
        "rrule": "FREQ=WEEKLY;INTERVAL=1",
        "startLocal": "2027-03-18T19:00:00",
        "exceptions": [],
    }
    # Kept for attendees: neither the link nor the place, nowhere in it.
    assert LINK not in text
    assert "Birch Lane" not in text
    assert "location" not in document
    assert "attachment" not in document
    # Every term a JSON-LD peer meets is defined; the series is one JSON value.
    assert undefined_terms(expand_all(document)) == set()
    expanded = expand(document)
    assert expanded[KINFOLK + "recurrence"][0]["@value"]["rrule"] == "FREQ=WEEKLY;INTERVAL=1"
    [join_mode] = expanded["https://joinmobilizon.org/ns#joinMode"]
    assert join_mode["@value"] == "restricted"


async def test_a_place_for_everyone_is_a_place_with_its_address(api: Api) -> None:
    _, public_id = await _scheduled(
        api, details_for_attendees=False, online_url="", join_mode="open", capacity=None
    )
    document = json.loads((await _fetched(api, public_id))[1])
    assert document["location"] == {
        "type": "Place",
        "name": PLACE,
        "address": {"type": "PostalAddress", "streetAddress": PLACE},
    }
    assert document["isOnline"] is False
    assert document["joinMode"] == "free"
    assert (document["maximumAttendeeCapacity"], document["remainingAttendeeCapacity"]) == (0, None)
    assert undefined_terms(expand_all(document)) == set()


async def test_cancelled_and_moved_occurrences_travel_with_the_series(api: Api) -> None:
    mod, public_id = await _scheduled(api)
    one = f"/api/v1/meetings/{public_id}/occurrences"
    (await api.call("POST", f"{one}/2027-03-18/cancel", as_=mod)).expect(200)
    moved = {"starts_local": "2027-03-26T18:00:00"}
    (await api.call("POST", f"{one}/2027-03-25/move", as_=mod, json=moved)).expect(200)
    document = json.loads((await _fetched(api, public_id))[1])
    assert document["recurrence"]["exceptions"] == [
        {"date": "2027-03-18", "cancelled": True},
        {"date": "2027-03-25", "movedTo": "2027-03-26T18:00:00"},
    ]
    # Other software sees the next occurrence that takes place: the moved one.
    assert document["startTime"] == "2027-03-26T17:00:00Z"


async def test_only_an_accepted_attendee_is_sent_the_place_and_link(
    api: Api, sessions: async_sessionmaker[AsyncSession], site: Site, now: datetime
) -> None:
    _, public_id = await _scheduled(api)
    meeting = await _hosted(sessions, public_id, now)
    base = site.base_url
    document = event_of(meeting, base)
    attendee = "https://mobilizon.example/@ana"
    private = with_details(document, meeting, attendee)
    assert (private["to"], private["cc"]) == ([attendee], [])
    assert private["location"]["address"]["streetAddress"] == PLACE
    assert private["attachment"] == [
        {"type": "Link", "name": "Website", "mediaType": "text/html", "href": LINK}
    ]
    update = with_context(
        private_update(f"{base}/activities/1", document["actor"], private, attendee),
        context=EVENT_CONTEXT,
    )
    accept = with_context(
        join_answer(
            f"{base}/activities/2",
            "Accept",
            document["actor"],
            join_uri="https://mobilizon.example/join/1",
            attendee=attendee,
            event=document["id"],
        ),
        context=EVENT_CONTEXT,
    )
    assert accept["object"]["type"] == "Join"
    shared = activities.announce(
        f"{base}/activities/3",
        document["actor"],
        activities.post_activity(
            f"{base}/activities/4",
            "Create",
            document["actor"],
            document,
            group=document["actor"],
            public=True,
        ),
        public=True,
    )
    for sent in (update, accept, with_context(shared, context=EVENT_CONTEXT)):
        assert undefined_terms(expand_all(sent)) == set()
    assert LINK not in json.dumps(shared)
    assert PLACE not in json.dumps(shared)


async def test_a_private_groups_event_is_never_public(
    api: Api, sessions: async_sessionmaker[AsyncSession], site: Site, now: datetime
) -> None:
    _, public_id = await _scheduled(api, private=True, details_for_attendees=False)
    status, text = await _fetched(api, public_id)
    assert status == 404
    assert PLACE not in text
    meeting = await _hosted(sessions, public_id, now)
    base = site.base_url
    document = event_of(meeting, base)
    assert PUBLIC not in document["to"] + document["cc"]
    assert document["to"] == [f"{base}/groups/circle"]


async def test_a_cancelled_meeting_answers_as_a_tombstone(api: Api) -> None:
    mod, public_id = await _scheduled(api)
    (await api.call("DELETE", f"/api/v1/meetings/{public_id}", as_=mod)).expect(204)
    status, text = await _fetched(api, public_id)
    assert status == 410
    assert json.loads(text)["type"] == "Tombstone"
