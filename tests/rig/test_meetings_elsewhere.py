"""A Kinfolk member and a Mobilizon group's events: the member joins the group, sees
its event among the group's coming meetings, says they are going (a signed ``Join``
reaches Mobilizon, and they are pending until its ``Accept``), and leaving reaches it
too; another member, turned down, is told so. A later change of the event shows, and
its deletion cancels it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.api_client import Member
from tests.rig.mobilizon_group_peer import MobilizonGroupPeer
from tests.rig.rig import Rig, RigNode
from tests.rig.shaped_peers import PeerActor, shared_inbox


async def _join_group(
    rig: Rig, peer: MobilizonGroupPeer, node: RigNode, member: Member, group: PeerActor
) -> str:
    """``member`` joins the Mobilizon group by its handle, and the group lets them in."""
    handle = f"{group.handle}@{peer.domain}"
    joined = await node.api.call("POST", f"/api/v1/groups/{handle}/join", as_=member)
    assert joined.expect(200)["state"] == "pending"
    await rig.settle()
    follow = [r for r in peer.received_of("Follow") if r.activity["object"] == group.uri][-1]
    assert follow.verified, follow.problem
    follower = await peer.fetch(follow.activity["actor"])
    assert (
        await peer.deliver(
            group, shared_inbox(follower), peer.accept_follow(group, follow.activity)
        )
        == 202
    )
    await rig.settle()
    assert await node.api.membership(member, handle) == "approved"
    return handle


async def _answer(node: RigNode, member: Member, meeting: str, state: str) -> dict[str, Any]:
    said = await node.api.call(
        "PUT", f"/api/v1/meetings/{meeting}/participation", as_=member, json={"state": state}
    )
    answer: dict[str, Any] = said.expect(200)
    return answer


async def _seen(node: RigNode, member: Member, meeting: str) -> dict[str, Any]:
    shown: dict[str, Any] = (
        await node.api.call("GET", f"/api/v1/meetings/{meeting}", as_=member)
    ).expect(200)
    return shown


async def test_a_member_joins_a_mobilizon_groups_event(
    rig: Rig, mobilizon_group: MobilizonGroupPeer
) -> None:
    peer = mobilizon_group
    a = await rig.add_node("alpha")
    ana, bo = await a.member("ana"), await a.member("bo")
    group, caller = peer.group("dancers"), peer.person("caller")
    handle = await _join_group(rig, peer, a, ana, group)
    await _join_group(rig, peer, a, bo, group)
    ana_inbox = shared_inbox(await peer.fetch((await peer.resolve(f"ana@{a.domain}"))["id"]))

    starts = rig.clock() + timedelta(days=3)
    event = peer.event(group, caller, "Ceilidh for beginners", starts)
    create = peer.create(caller, event)
    assert await peer.deliver(group, ana_inbox, peer.announce(group, create)) == 202
    await rig.settle()

    coming = (await a.api.call("GET", f"/api/v1/groups/{handle}/meetings", as_=ana)).expect(200)
    [item] = coming["items"]
    meeting = item["meeting"]["id"]
    assert item["meeting"]["title"] == "Ceilidh for beginners"
    assert item["starts_at"].startswith(starts.date().isoformat())
    assert item["meeting"]["time_zone"] == "Europe/London"
    assert item["meeting"]["place"].startswith("The Kenn Centre, Devon Expressway")
    assert item["meeting"]["can_manage"] is False

    # Going asks the group's node, with a Join it can verify; pending until it answers.
    assert (await _answer(a, ana, meeting, "going"))["my_answer"] == "pending"
    await rig.settle()
    [join] = peer.received_of("Join")
    assert join.verified, join.problem
    assert join.activity["object"] == event["id"]
    assert join.activity["actor"].endswith("/ana")
    assert join.activity["to"] == [group.uri]
    assert join.path == urlsplit(group.document["inbox"]).path  # the group's own inbox
    accept = peer.answer_join(caller, join.activity)
    assert await peer.deliver(caller, ana_inbox, accept) == 202
    await rig.settle()
    assert (await _seen(a, ana, meeting))["my_answer"] == "going"

    # Bo is turned down, and told kindly.
    await _answer(a, bo, meeting, "going")
    await rig.settle()
    bo_join = next(r for r in peer.received_of("Join") if r.activity["actor"].endswith("/bo"))
    reject = peer.answer_join(caller, bo_join.activity, accept=False)
    assert await peer.deliver(caller, ana_inbox, reject) == 202
    await rig.settle()
    assert (await _seen(a, bo, meeting))["my_answer"] == "declined"
    told = (await a.api.call("GET", "/api/v1/notifications", as_=bo)).expect(200)
    assert "meeting_declined" in [entry["kind"] for entry in told["items"]]

    # Ana leaves: Mobilizon's Leave of the event reaches it.
    left = await a.api.call("DELETE", f"/api/v1/meetings/{meeting}/participation", as_=ana)
    assert left.status in {200, 204}
    await rig.settle()
    [leave] = peer.received_of("Leave")
    assert leave.verified, leave.problem
    assert leave.activity["object"] == event["id"]

    # The group renames it, then deletes it: the change shows, then it is cancelled.
    update = {**create, "id": f"{event['id']}/update", "type": "Update"}
    update["object"] = {**create["object"], "name": "Ceilidh for everyone"}
    assert await peer.deliver(group, ana_inbox, peer.announce(group, update)) == 202
    await rig.settle()
    assert (await _seen(a, ana, meeting))["title"] == "Ceilidh for everyone"
    delete = {
        "id": f"{event['id']}/delete",
        "type": "Delete",
        "actor": caller.uri,
        "object": event["id"],
        "to": event["to"],
    }
    assert await peer.deliver(group, ana_inbox, peer.announce(group, delete)) == 202
    await rig.settle()
    assert (await _seen(a, ana, meeting))["cancelled"] is True
