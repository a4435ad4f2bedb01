"""A meeting's place and link reach nobody but those going, its facilitators and the
group's moderators: a crawl of the group's node and of another node, as an anonymous
visitor, a member of the group who is not going, and the other node signing its
fetches, finds them nowhere (pages, API, the public calendar feed, ActivityPub
documents, collections); the same crawl as an attendee finds them. No one on the other
node belongs to the group, so it is sent nothing of the meeting and holds nothing of it
(tests/rig/test_meetings_federation.py follows a meeting to other nodes)."""

from __future__ import annotations

from tests.rig.crawl import ANONYMOUS, crawl, member_of, node_signing
from tests.rig.rig import Rig

LINK = "https://meet.example/room-lantern-4417"
ADDRESS = "Community hall, Birch Lane 27, back entrance"
TITLE = "Thursday lantern circle"


async def test_a_meetings_details_reach_those_going_alone(rig: Rig) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mod, ana, al = await a.member("mod"), await a.member("ana"), await a.member("al")
    await a.api.create_group(mod, "circle")
    for member in (ana, al):
        await a.api.join(member, "circle")
    body = {
        "title": TITLE,
        "starts_local": "2027-03-18T19:00:00",
        "time_zone": "Europe/Berlin",
        "duration_minutes": 90,
        "recurrence": "weekly",
        "online_url": LINK,
        "place": ADDRESS,
    }
    made = await a.api.call("POST", "/api/v1/groups/circle/meetings", as_=mod, json=body)
    meeting = made.expect(201)["id"]
    one = f"/api/v1/meetings/{meeting}"
    going = await a.api.call("PUT", f"{one}/participation", as_=ana, json={"state": "going"})
    going.expect(200)
    await rig.settle()

    seeds = [
        one,
        f"{one}/participants",
        "/api/v1/groups/circle/meetings",
        "/groups/circle/meetings.ics",
        "/groups/circle",
    ]
    handles = [f"circle@{a.domain}", f"ana@{a.domain}", f"al@{a.domain}"]
    for visitor in (ANONYMOUS, member_of(al), node_signing(b)):
        found = await crawl(a, visitor, seeds=seeds, handles=handles)
        assert found.leaks([LINK, ADDRESS, "room-lantern", "Birch Lane"]) == []
    for visitor in (ANONYMOUS, node_signing(a)):
        elsewhere = await crawl(b, visitor, seeds=seeds, handles=handles)
        assert elsewhere.leaks([LINK, ADDRESS, TITLE]) == []

    # The same crawl finds them where they belong: with the one going.
    theirs = await crawl(a, member_of(ana), seeds=seeds, handles=handles)
    assert theirs.leaks([LINK, ADDRESS]) != []
