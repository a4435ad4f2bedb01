"""A group's meeting as a Mobilizon server's people take part in it: they see its Event
through the group's Announce, three Join and are accepted, the fourth waits and is
accepted when one leaves, approval mode holds a Join until a facilitator accepts, a
cancelled occurrence reaches every attendee, and the link reaches only the inboxes of
those accepted: a crawl of every node finds it nowhere, and nothing else the peer was
sent carries it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.mobilizon_peer import MobilizonPeer
from tests.rig.rig import Rig
from tests.rig.shaped_peers import PeerActor, shared_inbox

LINK = "https://meet.example/lantern-room-5521"
NEW_LINK = "https://meet.example/harbour-room-0917"
SECRETS = [LINK, "lantern-room", NEW_LINK, "harbour-room"]
WEEKLY = {
    "title": "Thursday lantern circle",
    "starts_local": "2027-03-18T19:00:00",
    "time_zone": "Europe/Berlin",
    "duration_minutes": 90,
    "recurrence": "weekly",
    "online_url": LINK,
    "capacity": 3,
}


@pytest.fixture
async def mobilizon(rig: Rig) -> AsyncIterator[MobilizonPeer]:
    peer = MobilizonPeer("127.0.0.52", rig.clock)
    await peer.start()
    yield peer
    await peer.close()


def _to(peer: MobilizonPeer, person: PeerActor | None = None) -> list[dict[str, Any]]:
    """What reached one person's own inbox (None: the server's shared inbox), in order."""
    path = f"/@{person.handle}/inbox" if person is not None else "/inbox"
    received = [r for r in peer.received if r.path == path]
    assert all(r.verified for r in received), [r.problem for r in received]
    return [r.activity for r in received]


def _kinds(activities: list[dict[str, Any]]) -> list[str]:
    return [a["type"] for a in activities]


async def test_mobilizon_people_take_part_and_only_those_accepted_get_the_link(
    rig: Rig, mobilizon: MobilizonPeer
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mod, al, bea = await a.member("mod"), await a.member("al"), await b.member("bea")
    await a.api.create_group(mod, "circle")
    await a.api.join(al, "circle")
    await b.api.join(bea, f"circle@{a.domain}")
    group = await mobilizon.resolve(f"circle@{a.domain}")
    # A Mobilizon profile follows the group, so its server hears of the group's events.
    eve = mobilizon.person("eve")
    assert await mobilizon.deliver(eve, group["inbox"], mobilizon.follow(eve, group["id"])) == 202
    await rig.settle()

    made = await a.api.call("POST", "/api/v1/groups/circle/meetings", as_=mod, json=WEEKLY)
    meeting = made.expect(201)["id"]
    await rig.settle()
    [shared] = [x for x in _to(mobilizon) if x["type"] == "Announce"]
    event = shared["object"]["object"]
    assert (shared["object"]["type"], event["type"]) == ("Create", "Event")
    assert event["id"] == f"{a.settings.base_url}/meetings/{meeting}"
    assert event["attributedTo"] == group["id"]
    assert (event["maximumAttendeeCapacity"], event["joinMode"]) == (3, "free")

    # Three take part and are accepted, each with the link for them alone.
    ana, ben, cat, dan = [mobilizon.person(name) for name in ("ana", "ben", "cat", "dan")]
    joins = {}
    for person in (ana, ben, cat, dan):
        joins[person.handle] = mobilizon.join(person, event["id"])
        assert await mobilizon.deliver(person, shared_inbox(group), joins[person.handle]) == 202
        await rig.settle()
    for person in (ana, ben, cat):
        accept, details = _to(mobilizon, person)
        assert (accept["type"], accept["object"]["id"]) == ("Accept", joins[person.handle]["id"])
        assert details["type"] == "Update"
        assert (details["to"], details["object"]["to"]) == ([person.uri], [person.uri])
        assert details["object"]["attachment"][0]["href"] == LINK
    assert _to(mobilizon, dan) == []  # in line: no answer yet
    participants = f"/api/v1/meetings/{meeting}/participants"
    counts = (await a.api.call("GET", participants, as_=mod)).expect(200)
    assert (counts["going"], counts["waiting"]) == (3, 1)

    # One leaves: the fourth has the place, and now the link.
    assert (
        await mobilizon.deliver(ben, shared_inbox(group), mobilizon.leave(ben, event["id"])) == 202
    )
    await rig.settle()
    assert _kinds(_to(mobilizon, dan)) == ["Accept", "Update"]
    assert _to(mobilizon, dan)[1]["object"]["attachment"][0]["href"] == LINK

    # A cancelled occurrence reaches every attendee, and the group's followers.
    one = f"/api/v1/meetings/{meeting}/occurrences/2027-03-18/cancel"
    (await a.api.call("POST", one, as_=mod)).expect(200)
    await rig.settle()
    for person in (ana, cat, dan):
        update = _to(mobilizon, person)[-1]
        assert update["type"] == "Update"
        assert update["object"]["startTime"] == "2027-03-25T18:00:00Z"
    announced = _to(mobilizon)[-1]
    assert (announced["type"], announced["object"]["type"]) == ("Announce", "Update")
    assert announced["object"]["object"]["recurrence"]["exceptions"] == [
        {"date": "2027-03-18", "cancelled": True}
    ]

    # A new link goes again to those going, each alone, and to nobody else.
    new = {"online_url": NEW_LINK}
    (await a.api.call("PATCH", f"/api/v1/meetings/{meeting}", as_=mod, json=new)).expect(200)
    await rig.settle()
    for person in (ana, cat, dan):
        assert _to(mobilizon, person)[-1]["object"]["attachment"][0]["href"] == NEW_LINK
    assert [x["object"]["type"] for x in _to(mobilizon)[-2:]] == ["Update", "Update"]

    # Approval mode holds a Join until a facilitator accepts.
    held = {
        **WEEKLY,
        "title": "Saturday walk",
        "join_mode": "approval",
        "capacity": None,
        "online_url": "https://meet.example/walk",
    }
    second = (
        await a.api.call("POST", "/api/v1/groups/circle/meetings", as_=mod, json=held)
    ).expect(201)["id"]
    await rig.settle()
    fay = mobilizon.person("fay")
    walk = f"{a.settings.base_url}/meetings/{second}"
    assert await mobilizon.deliver(fay, shared_inbox(group), mobilizon.join(fay, walk)) == 202
    await rig.settle()
    assert _to(mobilizon, fay) == []
    accept_fay = f"/api/v1/meetings/{second}/participants/fay@{mobilizon.domain}/accept"
    (await a.api.call("POST", accept_fay, as_=mod)).expect(200)
    await rig.settle()
    assert _kinds(_to(mobilizon, fay)) == ["Accept", "Update"]

    # The link went to the accepted attendees' own inboxes, and nowhere else.
    accepted = {f"/@{p.handle}/inbox" for p in (ana, ben, cat, dan, fay)}
    for received in mobilizon.received:
        if any(secret in json.dumps(received.activity) for secret in SECRETS):
            assert received.path in accepted, received.activity["type"]
    # The follower who never asked to come was told of her follow, and nothing else.
    assert [x["object"]["type"] for x in _to(mobilizon, eve)] == ["Follow"]
    seeds = [
        f"/meetings/{meeting}",
        f"/meetings/{second}",
        f"/api/v1/meetings/{meeting}",
        f"/api/v1/meetings/{meeting}/participants",
        "/api/v1/groups/circle/meetings",
        "/groups/circle/meetings.ics",
        "/groups/circle/outbox?page=1",
    ]
    handles = [f"circle@{a.domain}", f"al@{a.domain}", f"bea@{b.domain}"]
    for visitor in (ANONYMOUS, member_of(al), node_signing(b)):
        found = await crawl(a, visitor, seeds=seeds, handles=handles)
        assert found.leaks(SECRETS) == []
        assert f"{a.settings.base_url}/meetings/{meeting}" in " ".join(found.answers)
    for visitor in (ANONYMOUS, member_of(bea), node_signing(a)):
        elsewhere = await crawl(b, visitor, seeds=seeds, handles=handles)
        assert elsewhere.leaks(SECRETS) == []
