"""Check-ins on the pages, as a browser without JavaScript meets them: the calm form, the
history and the chart (an SVG image, valid XML, with its text alternative); sharing one
with a group, where it shows as a check-in; crisis words bring the resources; nobody
else sees a member's check-ins, and a visitor is asked to sign in."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.passwords import Passwords
from node.site import Site
from tests.conftest import Client
from tests.node.factories import Node
from tests.web.test_moderation_pages import post_form, sign_in
from tests.web.test_pages import page

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    """``ana`` runs the group ``circle``, where ``ben`` is a member; ``cat`` is in none."""
    node = Node(sessions, site, passwords, now)
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.member("cat")
    await node.group(ana, "circle")
    await node.join(ben, "circle")
    return node


async def check_in(client: Client, form: dict[str, str]) -> tuple[int, str, str]:
    return await post_form(client, "/checkins", "/checkins", {"words": "", "note": "", **form})


def chart_of(html: str) -> ET.Element:
    match = re.search(r"<svg.*?</svg>", html, re.S)
    assert match, "no chart on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 (our own page, under test)


def check_in_ids(html: str) -> list[str]:
    return re.findall(r'id="checkin-([0-9A-Za-z]+)"', html)


async def test_record_see_history_and_chart(client: Client, node: Node) -> None:
    await sign_in(client, "ben")
    status, html = await page(client, "/checkins")
    assert status == 200
    assert 'href="/checkins" aria-current="page"' in html  # in the header
    assert "You have not checked in yet." in html
    assert "<svg" not in html
    for value in ("1", "2", "3", "4", "5"):
        assert f'type="radio" name="scale" id="scale-{value}" value="{value}"' in html

    status, location, _ = await check_in(
        client, {"scale": "2", "words": "tired, hopeful", "note": "A <b>long</b> week."}
    )
    assert status == 303
    assert location.startswith("/checkins?done=recorded")
    await check_in(client, {"scale": "3"})
    _, html = await page(client, location)
    assert "Thank you for checking in." in html
    assert "tired, hopeful" in html
    assert "A &lt;b&gt;long&lt;/b&gt; week." in html
    assert len(check_in_ids(html)) == 2

    svg = chart_of(html)
    assert svg.get("role") == "img"
    assert svg.findtext(f"{SVG}title") == "How you have been, the last 30 days"
    assert svg.findtext(f"{SVG}desc") == "Your last 2 check-ins: mostly okay"
    axis = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"really struggling", "low", "okay", "good", "really good"} <= set(axis)
    titles = [c.findtext(f"{SVG}title") or "" for c in svg.iter(f"{SVG}circle")]
    assert [t.rsplit(": ", 1)[1] for t in titles] == ["low", "okay"]
    assert "<figcaption>Your last 2 check-ins: mostly okay</figcaption>" in html
    _, html = await page(client, "/checkins?days=90")
    assert chart_of(html).findtext(f"{SVG}title") == "How you have been, the last 90 days"


async def test_a_check_in_the_form_cannot_take(client: Client, node: Node) -> None:
    await sign_in(client, "ben")
    status, _, html = await check_in(client, {"words": "a, b, c, d, e, f", "note": "kept"})
    assert status == 422
    assert "Choose the step that is closest to how you are." in html
    assert "Use at most 5 words, separated by commas." in html
    assert ">kept</textarea>" in html


async def test_share_with_a_group_and_delete(client: Client, node: Node) -> None:
    await sign_in(client, "ben")
    await check_in(client, {"scale": "4", "words": "calm"})
    _, html = await page(client, "/checkins")
    (public_id,) = check_in_ids(html)
    assert f'<option value="circle@{node.site.domain}">' in html
    status, location, _ = await post_form(
        client,
        "/checkins",
        f"/checkins/{public_id}/share",
        {"group": f"circle@{node.site.domain}"},
    )
    assert status == 303
    assert location.startswith("/posts/")
    _, thread = await page(client, location)
    assert "A check-in: feeling good" in thread
    assert "Check-in: good — calm" in thread
    _, group = await page(client, "/groups/circle")
    assert "A check-in: feeling good" in group
    _, html = await page(client, "/checkins")
    assert f'<a href="{location}">See the post</a>' in html

    status, location, _ = await post_form(client, "/checkins", f"/checkins/{public_id}/delete", {})
    assert status == 303
    _, html = await page(client, location)
    assert "The check-in is deleted." in html
    assert check_in_ids(html) == []
    # The post it became stays in the group.
    _, group = await page(client, "/groups/circle")
    assert "A check-in: feeling good" in group


async def test_crisis_words_bring_the_resources(client: Client, node: Node) -> None:
    await sign_in(client, "ben")
    status, _, html = await check_in(client, {"scale": "1", "note": "I want to die."})
    assert status == 200
    assert "You are not alone" in html
    assert "Your check-in is saved, for you alone." in html
    (public_id,) = check_in_ids(html)
    share = f"/checkins/{public_id}/share"
    group = f"circle@{node.site.domain}"
    status, _, html = await post_form(client, "/checkins", share, {"group": group})
    assert status == 200
    assert "You are not alone" in html
    assert 'name="crisis" value="post"' in html
    status, location, _ = await post_form(
        client, "/checkins", share, {"group": group, "crisis": "later"}
    )
    assert (status, location) == (303, f"/checkins#checkin-{public_id}")
    status, location, _ = await post_form(
        client, "/checkins", share, {"group": group, "crisis": "post"}
    )
    assert status == 303
    assert location.startswith("/posts/")


async def test_nobody_else_sees_them(client: Client, node: Node) -> None:
    await sign_in(client, "ben")
    await check_in(client, {"scale": "2", "words": "only-mine"})
    _, html = await page(client, "/checkins")
    (public_id,) = check_in_ids(html)
    await sign_in(client, "cat")
    _, html = await page(client, "/checkins")
    assert "only-mine" not in html
    assert "You have not checked in yet." in html
    # cat belongs to no group: nothing to share with.
    assert "Share with a group" not in html
    for action in ("delete", "share"):
        status, _, _ = await post_form(
            client, "/checkins", f"/checkins/{public_id}/{action}", {"group": "circle"}
        )
        assert status == 404
    client.session.cookie_jar.clear()
    response = await client.get("/checkins", allow_redirects=False)
    assert response.status in (302, 303)
    assert response.headers["Location"].startswith("/signin")


async def test_share_anonymously_where_the_group_allows_it(client: Client, node: Node) -> None:
    await sign_in(client, "ben")
    await check_in(client, {"scale": "4", "words": "steady"})
    _, html = await page(client, "/checkins")
    (public_id,) = check_in_ids(html)
    assert "Share anonymously" not in html  # circle takes no anonymous posts
    share, group = f"/checkins/{public_id}/share", f"circle@{node.site.domain}"
    status, _, html = await post_form(
        client, "/checkins", share, {"group": group, "anonymous": "yes"}
    )
    assert status == 422
    assert "This group does not take anonymous posts." in html

    await sign_in(client, "ana")
    group_page = "/groups/circle"
    form = {"allow_anonymous_posts": "on"}
    await post_form(client, group_page, "/groups/circle/settings", form)
    await sign_in(client, "ben")
    _, html = await page(client, "/checkins")
    assert "Share anonymously" in html
    assert "Only these groups take anonymous posts: circle." in html
    status, location, _ = await post_form(
        client, "/checkins", share, {"group": group, "anonymous": "yes"}
    )
    assert status == 303
    await sign_in(client, "cat")
    _, thread = await page(client, location)
    assert "A check-in: feeling good" in thread
    assert "Anonymous 1" in thread
    assert "@ben" not in thread
