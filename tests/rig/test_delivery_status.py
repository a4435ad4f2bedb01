"""Did my post arrive? A post in a group on alpha, whose members' nodes are beta and
gamma, while gamma is down: its author and the group's moderator see how far it got
(the moderator with the nodes named), on the thread page and in the API's post, other
members see nothing (and nothing is looked up for them), and an admin's retry, once
gamma is back, gets it there."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery import reach
from federation.delivery.host_admin import retry_host
from tests.api_client import Member
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.test_compose_pages import Browser
from tests.web.test_pages import HTML


def _status(html: str, post_id: str) -> str:
    """The delivery line under one post, as text ("": there is none)."""
    article = html.split(f'id="post-{post_id}"', 1)[1].split("post-actions", 1)[0]
    found = re.search(r'<div class="delivery-status">(.*?)</div>', article, re.S)
    return "" if found is None else " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The posts whose delivery status is looked up from now on."""
    asked: list[str] = []
    reach_of = reach.reach_of

    async def spy(session: AsyncSession, post_uris: Collection[str]) -> dict[str, Any]:
        asked.extend(post_uris)
        return await reach_of(session, post_uris)

    monkeypatch.setattr(reach, "reach_of", spy)
    return asked


async def _delivery(node: RigNode, member: Member | None, post_id: str) -> Any:
    """The ``delivery`` object of GET /api/v1/posts/{id}, as ``member`` reads it."""
    answer = await node.api.call("GET", f"/api/v1/posts/{post_id}", as_=member)
    return answer.expect(200)["delivery"]


async def test_the_author_and_moderators_see_which_nodes_a_post_reached(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = await rig.add_node("alpha"), await rig.add_node("beta"), await rig.add_node("gamma")
    mo, amy, ali = await a.member("mo"), await a.member("amy"), await a.member("ali")
    await a.api.create_group(mo, "circle")
    anonymous = {"allow_anonymous_posts": True}
    (await a.api.call("PATCH", "/api/v1/groups/circle/settings", as_=mo, json=anonymous)).expect(
        200
    )
    for member in (amy, ali):
        await a.api.join(member, "circle")
    await b.api.join(await b.member("ben"), f"circle@{a.domain}")
    await c.api.join(await c.member("cai"), f"circle@{a.domain}")
    await rig.settle()

    await c.stop()
    post = await a.api.post(amy, "circle", "Made it through the week", title="A week")
    hidden = await a.api.reply(amy, post["id"], "Not sure who to tell", anonymous=True)
    await rig.settle()  # beta has them; gamma's deliveries failed once and wait to retry

    page = f"/posts/{post['id']}"
    _, author_view = await Browser(a, amy).get(page)
    assert "Reached 1 of 2 nodes · 1 retrying since" in _status(author_view, post["id"])
    assert "Which nodes" not in author_view  # the nodes are named for moderators only
    # Her own anonymous reply: only her session knows it is hers.
    assert "Reached 1 of 2 nodes" in _status(author_view, hidden["id"])
    _, moderator_view = await Browser(a, mo).get(page)
    for post_id in (post["id"], hidden["id"]):
        line = _status(moderator_view, post_id)
        assert "Reached 1 of 2 nodes" in line
        assert f"{c.domain} Retrying" in line
        assert f"{b.domain} Reached" in line
    _, member_view = await Browser(a, ali).get(page)
    assert "delivery-status" not in member_view
    assert c.domain not in member_view
    assert a.client is not None
    async with a.client.get(page, headers=HTML) as signed_out:
        assert "delivery-status" not in await signed_out.text()

    # The API's post says the same to the same people.
    for post_id in (post["id"], hidden["id"]):
        told = await _delivery(a, amy, post_id)
        assert told["hosts"] is None  # the nodes are named for moderators only
        assert told["retrying_since"] is not None
        del told["hosts"], told["retrying_since"]
        assert told == {"total": 2, "reached": 1, "sending": 0, "retrying": 1, "not_delivered": 0}
        told = await _delivery(a, mo, post_id)
        assert (told["reached"], told["total"]) == (1, 2)
        assert [(h["host"], h["state"]) for h in told["hosts"]] == [
            (c.domain, "retrying"),
            (b.domain, "reached"),
        ]
    asked = _asked(monkeypatch)
    for other in (ali, None):
        assert await _delivery(a, other, post["id"]) is None
    listing = await a.api.call("GET", "/api/v1/groups/circle/posts", as_=amy)
    assert all("delivery" not in item for item in listing.expect(200)["items"])
    assert asked == []  # nothing looked up for another member, a visitor, a listing

    await c.start()  # back, but its deliveries wait for their next attempt ...
    await rig.settle()
    _, author_view = await Browser(a, amy).get(page)
    assert "1 retrying since" in _status(author_view, post["id"])
    async with database_of(a) as session:  # ... until an admin retries (kinfolk delivery retry)
        assert await retry_host(session, c.domain, now=rig.clock()) == 2
    await rig.settle()
    _, author_view = await Browser(a, amy).get(page)
    assert _status(author_view, post["id"]) == "Reached 2 of 2 nodes"
    told = await _delivery(a, amy, post["id"])
    assert (told["reached"], told["retrying"], told["retrying_since"]) == (2, 0, None)
    assert post["uri"] in asked  # the spy sees what is looked up for those who are told
    _, moderator_view = await Browser(a, mo).get(page)
    assert f"{c.domain} Reached" in _status(moderator_view, hidden["id"])
