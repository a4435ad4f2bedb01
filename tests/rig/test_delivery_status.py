"""Did my post arrive? A post in a group on alpha, whose members' nodes are beta and
gamma, while gamma is down: its author and the group's moderator see how far it got
(the moderator with the nodes named), other members see nothing, and an admin's retry,
once gamma is back, gets it there."""

from __future__ import annotations

import re

from federation.delivery.host_admin import retry_host
from tests.rig.rig import Rig, database_of
from tests.rig.test_compose_pages import Browser
from tests.web.test_pages import HTML


def _status(html: str, post_id: str) -> str:
    """The delivery line under one post, as text ("": there is none)."""
    article = html.split(f'id="post-{post_id}"', 1)[1].split("post-actions", 1)[0]
    found = re.search(r'<div class="delivery-status">(.*?)</div>', article, re.S)
    return "" if found is None else " ".join(re.sub(r"<[^>]+>", " ", found[1]).split())


async def test_the_author_and_moderators_see_which_nodes_a_post_reached(rig: Rig) -> None:
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

    await c.start()  # back, but its deliveries wait for their next attempt ...
    await rig.settle()
    _, author_view = await Browser(a, amy).get(page)
    assert "1 retrying since" in _status(author_view, post["id"])
    async with database_of(a) as session:  # ... until an admin retries (kinfolk delivery retry)
        assert await retry_host(session, c.domain, now=rig.clock()) == 2
    await rig.settle()
    _, author_view = await Browser(a, amy).get(page)
    assert _status(author_view, post["id"]) == "Reached 2 of 2 nodes"
    _, moderator_view = await Browser(a, mo).get(page)
    assert f"{c.domain} Reached" in _status(moderator_view, hidden["id"])
