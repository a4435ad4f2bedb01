"""A meeting's place and link reach nobody but those going, its facilitators and the
group's moderators: a crawl of the group's node and of another node, as an anonymous
visitor, a member of the group who is not going, and the other node signing its
fetches, finds them nowhere (pages, API, the public calendar feed, ActivityPub
documents, collections); the same crawl as an attendee finds them. No one on the other
node belongs to the group, so it is sent nothing of the meeting and holds nothing of it
(tests/rig/test_meetings_federation.py follows a meeting to other nodes; the second test
here follows one to a member on another Kinfolk node and crawls all three nodes)."""

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


async def test_a_member_elsewhere_comes_and_only_she_gets_the_link_on_three_nodes(
    rig: Rig,
) -> None:
    """Kinfolk to Kinfolk: the group on alpha, bo on beta who comes, cy on gamma who is a
    member and does not. Both see the series on their own node; bo asks, is accepted and
    sees the link at home. A crawl of all three nodes, as an anonymous visitor, a member
    who is not going and another node signing, finds the link nowhere."""
    a, b, c = await rig.add_node("alpha"), await rig.add_node("beta"), await rig.add_node("gamma")
    mod, al = await a.member("mod"), await a.member("al")
    bo, bea, cy = await b.member("bo"), await b.member("bea"), await c.member("cy")
    await a.api.create_group(mod, "circle")
    await a.api.join(al, "circle")
    handle = f"circle@{a.domain}"
    for node, member in ((b, bo), (b, bea), (c, cy)):
        await node.api.join(member, handle)
    await rig.settle()
    body = {
        "title": TITLE,
        "starts_local": "2027-03-18T19:00:00",
        "time_zone": "Europe/Berlin",
        "duration_minutes": 90,
        "recurrence": "weekly",
        "online_url": LINK,
        "capacity": 5,
    }
    made = await a.api.call("POST", "/api/v1/groups/circle/meetings", as_=mod, json=body)
    made.expect(201)
    await rig.settle()

    # The series arrives whole on both other nodes (every Thursday at 19:00 in Berlin),
    # without the link.
    for node, member in ((b, bo), (c, cy)):
        coming = await node.api.items(member, f"/api/v1/groups/{handle}/meetings")
        assert [o["starts_local"][11:16] for o in coming[:3]] == ["19:00"] * 3
        seen = coming[0]["meeting"]
        assert (seen["title"], seen["recurrence"], seen["time_zone"], seen["online_url"]) == (
            TITLE,
            "weekly",
            "Europe/Berlin",
            None,
        )
    [on_b, *_] = await b.api.items(bo, f"/api/v1/groups/{handle}/meetings")
    mine = f"/api/v1/meetings/{on_b['meeting']['id']}"
    asked = await b.api.call("PUT", f"{mine}/participation", as_=bo, json={"state": "going"})
    asked.expect(200)
    await rig.settle()
    shown = (await b.api.call("GET", mine, as_=bo)).expect(200)
    assert shown["my_answer"] == "going"
    assert shown["online_url"] == LINK
    assert (await b.api.call("GET", mine, as_=bea)).expect(200)["online_url"] is None

    seeds = ["/groups/circle", "/api/v1/groups/circle/meetings", f"/groups/{handle}"]
    handles = [handle, f"bo@{b.domain}", f"cy@{c.domain}"]
    for node, not_going, other in ((a, al, c), (b, bea, c), (c, cy, a)):
        for visitor in (ANONYMOUS, member_of(not_going), node_signing(other)):
            found = await crawl(node, visitor, seeds=seeds, handles=handles)
            assert found.leaks([LINK, "room-lantern"]) == []
    # The same crawl reaches it where it belongs: bo's own view at home.
    theirs = await crawl(b, member_of(bo), seeds=seeds, handles=handles)
    assert theirs.leaks([LINK]) != []
