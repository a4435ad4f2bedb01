"""A Mastodon account that wrote in a group deletes itself: every node wipes what it
wrote, the group lets it go, and nothing more is sent to it or taken from it."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import select

from federation.tables import Delivery, QueueState
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, rows_of
from tests.rig.shaped_peers import MastodonPeer, shared_inbox

HTML = {"Accept": "text/html"}


async def _everything(node: RigNode, member: Member, group: str) -> str:
    """Every thread and reply of ``group`` as ``member`` sees them, API and pages, as text."""
    shown: list[Any] = []
    threads = await node.api.items(member, f"/api/v1/groups/{group}/posts")
    for thread in threads:
        shown.append(thread)
        shown.extend(await node.api.items(member, f"/api/v1/posts/{thread['id']}/replies"))
        assert node.client is not None
        async with node.client.get(f"/posts/{thread['id']}", headers=HTML) as page:
            assert page.status == 200
            shown.append(await page.text())
    assert node.client is not None
    async with node.client.get(f"/groups/{group}", headers=HTML) as page:
        assert page.status == 200
        shown.append(await page.text())
    return json.dumps(shown)


async def _queued_on(node: RigNode) -> list[tuple[str, QueueState, str | None]]:
    rows = await rows_of(
        node, select(Delivery.inbox, Delivery.state, Delivery.last_error).order_by(Delivery.id)
    )
    return [(inbox, state, error) for inbox, state, error in rows if state is QueueState.QUEUED]


async def test_a_deleted_mastodon_account_is_wiped_everywhere_and_let_go(
    rig: Rig, mastodon: MastodonPeer, caplog: pytest.LogCaptureFixture
) -> None:
    a, g = await rig.add_node("alpha"), await rig.add_node("gamma")
    mo, gil = await a.member("mo"), await g.member("gil")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await g.api.join(gil, circle)
    await rig.settle()
    group = await mastodon.resolve(circle)
    felix = mastodon.person("felix")
    assert await mastodon.deliver(felix, group["inbox"], mastodon.follow(felix, group["id"])) == 202
    await rig.settle()
    thread = mastodon.mention(felix, group, "Felix's worry, told in confidence")
    assert await mastodon.deliver(felix, shared_inbox(group), thread) == 202
    await rig.settle()
    gils = await g.api.post(gil, circle, "How is everyone this week?")
    await rig.settle()
    reply = mastodon.mention(felix, group, "Felix's answer, also private", in_reply_to=gils["uri"])
    assert await mastodon.deliver(felix, shared_inbox(group), reply) == 202
    await rig.settle()
    assert "Felix's worry" in await _everything(a, mo, "circle")
    assert "Felix's answer" in await _everything(g, gil, circle)

    # Mastodon is down for a while, so what alpha sends it waits: the answer to felix's
    # repeated request to join (to felix's own inbox), gil's next post (to its shared inbox).
    mastodon.down = True
    assert await mastodon.deliver(felix, group["inbox"], mastodon.follow(felix, group["id"])) == 202
    await rig.settle()
    await g.api.post(gil, circle, "Anyone around tonight?")
    await rig.settle()
    own, shared = felix.document["inbox"], shared_inbox(felix.document)
    assert {inbox for inbox, _, _ in await _queued_on(a)} == {own, shared}
    received = len(mastodon.received)

    delete = mastodon.delete_account(felix)  # its actor and statuses answer 410 from now on
    assert await mastodon.deliver(felix, shared_inbox(group), delete) == 202
    await rig.settle()

    # Alpha wiped both, and announced their deletion to gamma, which wiped its copies.
    for node, member, name in ((a, mo, "circle"), (g, gil, circle)):
        shown = await _everything(node, member, name)
        assert "Felix" not in shown
        assert "How is everyone this week?" in shown  # gil's thread keeps its place
    members = await a.api.items(mo, "/api/v1/groups/circle/members")
    assert felix.uri not in {m["member"]["id"] for m in members}
    # Nothing more for felix's own inbox; its server's shared inbox still gets gil's post.
    assert [inbox for inbox, _, _ in await _queued_on(a)] == [shared]
    mastodon.down = False
    rig.clock.advance(hours=2)
    await rig.settle()
    since = mastodon.received[received:]
    assert [(r.activity["type"], r.path) for r in since] == [("Announce", "/inbox")]
    # Whatever comes from felix now is refused at alpha's inbox, with a line in its log.
    again = mastodon.mention(felix, group, "Back again?")
    with caplog.at_level(logging.INFO, logger="kinfolk.inbox"):
        assert await mastodon.deliver(felix, shared_inbox(group), again) == 410
    [refused] = [r for r in caplog.records if getattr(r, "code", None) == "account_deleted"]
    assert (
        refused.getMessage() == f"inbox refused: {felix.uri} deleted its account; "
        "nothing more is accepted"
    )
