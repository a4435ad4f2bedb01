"""Starting a thread, replying and reporting in a group on another node, from the pages.

Beta has a group called "circle" of its own, and Bea, on beta, is a member of the
"circle" on alpha too. What she writes for alpha's circle goes there and nowhere
else; when it cannot be sent, she gets her words back.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import aiohttp

from tests.api_client import Member
from tests.rig.rig import Rig, RigNode
from tests.web.test_pages import HTML, csrf_of
from web.pages.session import SESSION_COOKIE


class Browser:
    """A member's browser on one node: signed in by the session cookie, forms with CSRF."""

    def __init__(self, node: RigNode, member: Member) -> None:
        self.base = node.settings.base_url
        self.jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address
        self.jar.update_cookies({SESSION_COOKIE: member.token})

    async def get(self, path: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession(cookie_jar=self.jar) as http,
            http.get(self.base + path, headers=HTML) as response,
        ):
            return response.status, await response.text()

    async def submit(self, form_page: str, form: dict[str, str]) -> tuple[int, str, str]:
        """The form on ``form_page`` filled in and sent to where it says: (status, action,
        page)."""
        _, html = await self.get(form_page)
        actions = re.findall(r'<form method="post" action="([^"]+)"', html)
        action = unescape(next(a for a in actions if "compose" in a or "report" in a))
        async with (
            aiohttp.ClientSession(cookie_jar=self.jar) as http,
            http.post(
                self.base + action,
                data={"csrf_token": csrf_of(html), **form},
                headers=HTML,
                allow_redirects=False,
            ) as response,
        ):
            return response.status, action, await response.text()


THREAD = {
    "title": "Three years today",
    "body": "I wanted to tell someone. " * 40,
    "content_warning": "grief",
    "language": "en",
}


async def _titles(node: RigNode, member: Member, group: str) -> list[Any]:
    items = await node.api.items(member, f"/api/v1/groups/{group}/posts")
    return [item["title"] for item in items]


async def test_a_thread_started_from_the_pages_reaches_the_group_elsewhere_it_was_meant_for(
    rig: Rig,
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea, ben = await a.member("mo"), await b.member("bea"), await b.member("ben")
    await a.api.create_group(mo, "circle")
    await b.api.create_group(ben, "circle")  # beta's own group of the same name
    await b.api.join(bea, "circle")
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()

    browser = Browser(b, bea)
    status, action, _ = await browser.submit(f"/groups/{circle}/compose", THREAD)
    assert (status, action) == (303, f"/groups/{circle}/compose")
    await rig.settle()
    assert await _titles(a, mo, "circle") == [THREAD["title"]]
    assert await _titles(b, ben, "circle") == []
    [shown] = await a.api.items(mo, "/api/v1/groups/circle/posts")
    assert shown["content_warning"] == "grief"
    assert shown["content_html"].count("I wanted to tell someone.") == 40


async def test_a_thread_that_cannot_be_sent_gives_the_member_their_words_back(
    rig: Rig,
) -> None:
    a, b = await rig.add_node("alpha"), await rig.add_node("beta")
    mo, bea = await a.member("mo"), await b.member("bea")
    await a.api.create_group(mo, "circle")
    circle = f"circle@{a.domain}"
    await b.api.join(bea, circle)
    await rig.settle()
    browser = Browser(b, bea)
    _, compose_page = await browser.get(f"/groups/{circle}/compose")
    token = csrf_of(compose_page)

    async def send(path: str) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession(cookie_jar=browser.jar) as http,
            http.post(
                browser.base + path,
                data={"csrf_token": token, **THREAD},
                headers=HTML,
                allow_redirects=False,
            ) as response,
        ):
            return response.status, await response.text()

    # No such group here or anywhere known: 404, with every word she wrote.
    status, html = await send(f"/groups/nowhere@{a.domain}/compose")
    assert status == 404
    assert THREAD["title"] in html
    assert unescape(html).count("I wanted to tell someone.") == 40
    # A reply to a thread its moderators locked meanwhile: 403, her words given back.
    thread = await a.api.post(mo, "circle", "Welcome", title="Welcome")
    await rig.settle()
    locking = {"reason": "resting"}
    (await a.api.call("POST", f"/api/v1/posts/{thread['id']}/lock", as_=mo, json=locking)).expect(
        200
    )
    [on_b] = await b.api.items(bea, f"/api/v1/groups/{circle}/posts")
    status, html = await send(f"/posts/{on_b['id']}/reply")  # before the lock arrived
    assert status == 303
    await rig.settle()
    status, html = await send(f"/posts/{on_b['id']}/reply")
    assert status == 403
    assert unescape(html).count("I wanted to tell someone.") == 40
    # She left the group meanwhile: 403, her words given back too.
    (await b.api.call("POST", f"/api/v1/groups/{circle}/leave", as_=bea)).expect(204)
    status, html = await send(f"/groups/{circle}/compose")
    assert status == 403
    assert unescape(html).count("I wanted to tell someone.") == 40
