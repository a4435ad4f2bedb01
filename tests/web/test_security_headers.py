"""What every answer tells the browser: a Content-Security-Policy with no inline
script, no sniffing, no framing, a same-origin referrer; and, on anything that may
be private (the answer to a signed-in member, a token or a signing node), that
nothing may be kept, so the back button of a shared computer shows nothing after
signing out. Public pages, public documents and static files stay cacheable."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.kinds import Visibility
from node.passwords import Passwords
from node.site import Site
from tests.api_client import Api
from tests.conftest import Client
from tests.node.factories import Node
from tests.web.test_pages import HTML
from tests.web.test_thread_pages import sign_in

AS_JSON = {"Accept": "application/activity+json"}
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


def assert_secured(response: ClientResponse, what: str = "") -> None:
    """The headers every answer carries, whatever it is."""
    assert "Content-Security-Policy" in response.headers, what
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def not_stored(response: ClientResponse) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


async def test_every_kind_of_answer_carries_the_headers(client: Client, node: Node) -> None:
    owner = await node.member("olga")
    await node.group(owner, "circle", display_name="The Circle")
    answers = {
        "page": await client.get("/", headers=HTML),
        "api": await client.get("/api/v1/groups"),
        "activitypub": await client.get("/groups/circle", headers=AS_JSON),
        "webfinger": await client.get(
            "/.well-known/webfinger", params={"resource": "acct:circle@node.test"}
        ),
        "problem": await client.get("/api/v1/groups/nobody"),
        "no route": await client.get("/nowhere"),
        "refused form": await client.post("/signin", data={"username": "x"}, headers=HTML),
        "redirect": await client.get("/settings", headers=HTML, allow_redirects=False),
        "static": await client.get("/static/kinfolk.css"),
    }
    assert answers["activitypub"].content_type == "application/activity+json"
    assert answers["problem"].content_type == "application/problem+json"
    assert answers["problem"].status == answers["no route"].status == 404
    assert answers["refused form"].status == 403
    assert answers["redirect"].status == 303
    assert answers["static"].status == 200
    for name, response in answers.items():
        assert_secured(response, name)
        # Nothing here depends on who asks: cacheable as before.
        assert not not_stored(response), name


async def test_nothing_shown_to_a_signed_in_member_is_kept(client: Client, node: Node) -> None:
    owner = await node.member("olga")
    await node.group(owner, "hidden", display_name="Hidden", visibility=Visibility.PRIVATE)
    await sign_in(client, "olga")
    for path in ("/", "/groups/hidden", "/settings", "/groups/nobody"):
        response = await client.get(path, headers=HTML)
        assert response.status == (404 if path == "/groups/nobody" else 200), path
        assert_secured(response, path)
        assert not_stored(response), path
    # The style sheet is the same for everyone: it may be kept.
    static = await client.get("/static/kinfolk.css")
    assert_secured(static)
    assert not not_stored(static)
    # After signing out, the same pages are public again, and cacheable.
    client.session.cookie_jar.clear()
    assert not not_stored(await client.get("/", headers=HTML))


async def test_answers_to_a_token_or_a_signature_are_not_kept(client: Client, api: Api) -> None:
    ana = await api.register("ana")
    mine = await client.get("/api/v1/accounts/me", headers=ana.auth)
    assert mine.status == 200
    assert_secured(mine)
    assert not_stored(mine)
    refused = await client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer nope"})
    assert refused.status == 401
    assert_secured(refused)
    assert not_stored(refused)
    # A node signing its fetch may be shown what others are not (a private group's).
    signed = await client.get(
        "/members/ana", headers={**AS_JSON, "Signature": 'keyId="https://far.example/k"'}
    )
    assert_secured(signed)
    assert not_stored(signed)
    assert not not_stored(await client.get("/members/ana", headers=AS_JSON))


def test_the_pages_have_no_inline_script_style_or_handler() -> None:
    """What the policy would block, so the pages never rely on it."""
    inline = re.compile(r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    for template in sorted(TEMPLATES.glob("*.html")):
        found = inline.findall(template.read_text())
        assert found == [], f"{template.name}: {found}"
