"""Reports across nodes: a member's report reaches the group's node (and, with consent, the
author's) as the reporting node's own Flag, and the group's moderators act on it there."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from federation.tables import InboxItem, QueueState
from node.federation_policy import storage
from node.kinds import NodeRole
from node.storage.models.actors import Account, Actor
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.test_federation_policy import change_policy

REPORTS = "/api/v1/reports"


async def _three_nodes(rig: Rig) -> tuple[RigNode, RigNode, RigNode, str, dict[str, Any]]:
    """``circle`` on alpha (moderated by mo); bea (beta) and cal (gamma) joined; cal posted."""
    a, b, c = [await rig.add_node(name) for name in ("alpha", "beta", "gamma")]
    mo, bea, cal = await a.member("mo"), await b.member("bea"), await c.member("cal")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    for node, member in ((b, bea), (c, cal)):
        await node.api.call("POST", f"/api/v1/groups/{circle}/join", as_=member)
    await rig.settle()
    post = await c.api.post(cal, circle, "Cheap pills, message me", title="Offer")
    await rig.settle()
    return a, b, c, circle, post


async def _public_id(node: RigNode, uri: str) -> str:
    async with database_of(node) as session:
        public_id = await session.scalar(select(Post.public_id).where(Post.uri == uri))
    assert public_id is not None, f"{node.name} holds no {uri}"
    return public_id


async def _staff(node: RigNode, username: str) -> Member:
    """A member of ``node`` made one of its admins (as ``kinfolk user create --admin``)."""
    member = await node.member(username)
    async with database_of(node) as session:
        actor_id = await session.scalar(
            select(Actor.id).where(Actor.handle == username, Actor.local)
        )
        await session.execute(
            update(Account).where(Account.actor_id == actor_id).values(role=NodeRole.ADMIN)
        )
    return member


async def _flags_received(node: RigNode) -> list[InboxItem]:
    async with database_of(node) as session:
        items = (await session.scalars(select(InboxItem))).all()
    return [item for item in items if json.loads(item.payload).get("type") == "Flag"]


async def test_a_report_reaches_the_groups_moderators_without_the_reporters_name(
    rig: Rig,
) -> None:
    a, b, c, _, post = await _three_nodes(rig)
    mo, bea, cal = a.members["mo"], b.members["bea"], c.members["cal"]
    on_b = await _public_id(b, post["uri"])
    made = await b.api.call(
        "POST",
        REPORTS,
        as_=bea,
        json={"post_id": on_b, "reason": "Selling pills to people in recovery", "forward": True},
    )
    made.expect(201)
    await rig.settle()

    # The group's node: its moderator has it in the group's queue, from beta, not from bea.
    [seen] = await a.api.items(mo, "/api/v1/groups/circle/reports")
    assert (seen["target"], seen["local"], seen["reason"], seen["reporter"]) == (
        post["uri"],
        False,
        "Selling pills to people in recovery",
        None,
    )
    assert seen["target_actor"]["acct"] == f"cal@{c.domain}"
    [flag] = await _flags_received(a)
    activity = json.loads(flag.payload)
    assert activity["actor"] == f"{b.settings.base_url}/actor"
    assert activity["object"] == [post["uri"], f"{c.settings.base_url}/members/cal"]
    assert flag.state is QueueState.DONE
    assert flag.last_error is None
    async with database_of(a) as session:
        [report] = (await session.scalars(select(Report))).all()
        reporter = await session.get(Actor, report.reporter_id)
    assert reporter is not None
    assert reporter.uri == f"{b.settings.base_url}/actor"
    stored = json.dumps([flag.payload, report.uri, report.reason, report.target_uri])
    assert "bea" not in stored

    # The reporter's node keeps its own copy, with the name, for its staff.
    bob = await _staff(b, "bob")
    [own] = await b.api.items(bob, REPORTS)
    assert (own["id"], own["local"], own["reporter"]["handle"]) == (made.json["id"], True, "bea")
    assert own["forwarded_at"] is not None
    # The author's node got it too (bea agreed), for its own staff.
    cy = await _staff(c, "cy")
    [at_author] = await c.api.items(cy, REPORTS)
    assert (at_author["target"], at_author["local"]) == (post["uri"], False)

    # The moderator removes the post and resolves the report.
    on_a = await _public_id(a, post["uri"])
    removed = await a.api.call(
        "POST", f"/api/v1/posts/{on_a}/remove", as_=mo, json={"reason": "spam"}
    )
    removed.expect(204)
    resolved = await a.api.call(
        "POST", f"{REPORTS}/{seen['id']}/resolve", as_=mo, json={"note": "removed"}
    )
    assert resolved.expect(200)["state"] == "resolved"
    await rig.settle()

    for node, member in ((a, mo), (b, bea), (c, cal)):
        public_id = await _public_id(node, post["uri"])
        shown = (await node.api.call("GET", f"/api/v1/posts/{public_id}", as_=member)).expect(200)
        assert (shown["deleted"], shown["content_html"]) == (True, ""), node.name
    log = await a.api.items(None, "/api/v1/groups/circle/modlog")
    assert [entry["action"] for entry in log] == ["resolve_report", "remove_post"]
    assert await a.api.items(mo, "/api/v1/groups/circle/reports") == []


async def test_a_node_that_rejects_reports_from_another_gets_none(rig: Rig) -> None:
    a, b, _, _, post = await _three_nodes(rig)
    mo, bea = a.members["mo"], b.members["bea"]
    await change_policy(
        a,
        lambda s: storage.set_rule(s, b.domain, "reject-reports", now=a.clock()),
    )
    on_b = await _public_id(b, post["uri"])
    made = await b.api.call("POST", REPORTS, as_=bea, json={"post_id": on_b, "reason": "spam"})
    made.expect(201)
    await rig.settle()

    # Delivered and accepted (a reject-reports rule is not a suspension), then ignored.
    [flag] = await _flags_received(a)
    assert (flag.state, flag.last_error) == (QueueState.DONE, None)
    assert await a.api.items(mo, "/api/v1/groups/circle/reports") == []
    async with database_of(a) as session:
        assert (await session.scalars(select(Report))).all() == []
