"""Every page that sends the browser back to an address it was given (the language
switch, signing in, the moderation and admin forms) sends it to a path on this
node, or to its usual page: never to another site, however the address is dressed.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from node.kinds import NodeRole
from node.passwords import Passwords
from node.site import Site
from tests.conftest import Client
from tests.node.factories import PASSWORD, Node
from tests.web.test_pages import HTML, csrf_of, page
from tests.web.test_thread_pages import sign_in

# What browsers (or a proxy decoding once more) would take to another host or scheme.
HOSTILE = [
    "https://evil.example/",
    "//evil.example/x",
    "///evil.example",
    "/\\evil.example",  # read as //evil.example
    "/\\/evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%5C/evil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",  # encoded twice
    "/\t/evil.example",  # tabs and newlines are dropped from URLs
    "/%09/evil.example",
    "\t//evil.example",
    "/\n/evil.example",
    " //evil.example",
    "/..//evil.example",  # resolves to //evil.example
    "/%2e%2e//evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/x?a=\\evil",
    "/\u2028/evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "evil.example",
    "%2F%2Fevil.example",
]
# Addresses of this node, as pages send them.
LEGITIMATE = [
    ("/", "/"),
    ("/signup", "/signup"),
    ("/signup?x=1", "/signup?x=1"),
    ("/groups/circle@far.example:8443", "/groups/circle@far.example:8443"),
    ("/moderation?state=open&group=circle", "/moderation?state=open&group=circle"),
    ("/groups?q=grief%20circle", "/groups?q=grief%20circle"),
    ("/groups/caf%C3%A9", "/groups/caf%C3%A9"),
    ("/groups/café", "/groups/caf%C3%A9"),
    ("/posts/01JABCDEF#post-01JABCDEF", "/posts/01JABCDEF"),
]
CASES = [pytest.param(target, "/", id=repr(target)) for target in HOSTILE] + [
    pytest.param(target, landing, id=repr(target)) for target, landing in LEGITIMATE
]


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


@pytest.mark.parametrize(("target", "landing"), CASES)
async def test_the_language_switch_returns_only_to_this_node(
    client: Client, target: str, landing: str
) -> None:
    response = await client.get(
        f"/language/en?{urlencode({'next': target})}", allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == landing


@pytest.mark.parametrize(("target", "landing"), CASES)
async def test_signing_in_returns_only_to_this_node(
    client: Client, node: Node, target: str, landing: str
) -> None:
    await node.member("ana")
    _, html = await page(client, f"/signin?next={quote(target, safe='')}")
    carried = re.findall(r'name="next" value="([^"]*)"', html)[0]
    assert carried == landing.replace("&", "&amp;")
    # What the form carries, and what a crafted form would carry instead.
    for sent in (carried.replace("&amp;", "&"), target):
        client.session.cookie_jar.clear()
        _, html = await page(client, "/signin")
        response = await client.post(
            "/signin",
            allow_redirects=False,
            headers=HTML,
            data={
                "csrf_token": csrf_of(html),
                "username": "ana",
                "password": PASSWORD,
                "next": sent,
            },
        )
        assert response.status == 303
        assert response.headers["Location"] == landing


@pytest.mark.parametrize(("target", "landing"), CASES)
async def test_an_admin_form_returns_only_to_this_node(
    client: Client, node: Node, target: str, landing: str
) -> None:
    await node.member("ada", role=NodeRole.ADMIN)
    await sign_in(client, "ada")
    _, html = await page(client, "/admin/federation")
    response = await client.post(
        "/admin/federation/remove",
        allow_redirects=False,
        headers=HTML,
        data={"csrf_token": csrf_of(html), "domain": "never.example", "back": target},
    )
    assert response.status == 303
    # Anywhere else, the form's own page.
    expected = URL("/admin/federation" if landing == "/" and target != "/" else landing)
    location = URL(response.headers["Location"])
    assert location.raw_path == expected.raw_path
    assert dict(location.query) == {**expected.query, "done": "already"}
