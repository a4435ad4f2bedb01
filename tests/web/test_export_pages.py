"""A member's data on the pages: from their settings they ask for an archive, wait while
a large one is prepared (the page looks again by itself, unless they stop it), and
download it; nobody else, staff included, gets anything at its address."""

from __future__ import annotations

import dataclasses
import re

import pytest

from node.export import jobs
from tests.conftest import Client
from tests.node.export_helpers import archive_files
from tests.web import test_moderation_pages
from tests.web.test_moderation_pages import World, post_form, sign_in
from tests.web.test_pages import page
from web.config import Settings
from web.keys import WORKERS

# The moderation pages' world: olga's group "circle", mia's post in it, rita a member,
# ada the node's admin, nodemod its moderator.
world = test_moderation_pages.world


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker inside the node: the test says when the archive is built."""
    return dataclasses.replace(settings, embedded_worker=False)


D = "/settings/data"


def _download_link(html: str) -> str:
    match = re.search(r'href="(/settings/data/archive/[A-Za-z0-9_-]+)"', html)
    assert match, "the page offers no download"
    return match.group(1)


async def _ask(client: Client) -> str:
    status, location, _ = await post_form(client, D, f"{D}/export", {})
    assert (status, location) == (303, D)
    _, html = await page(client, D)
    return html


async def test_a_member_asks_for_their_archive_and_downloads_it(
    client: Client, world: World
) -> None:
    await sign_in(client, "mia")
    _, html = await page(client, "/settings")
    assert f'href="{D}"' in html
    status, html = await page(client, D)
    assert status == 200
    assert "Prepare my archive" in html
    assert "they are their words" in html

    html = await _ask(client)
    assert "Your archive is ready" in html
    assert "Refresh" not in (await client.get(D)).headers
    response = await client.get(_download_link(html))
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    exported, _page = archive_files(await response.read())
    assert [p["text"] for p in exported["posts"]] == ["You are all <b>fools</b>"]


async def test_only_the_member_gets_their_archive(client: Client, world: World) -> None:
    await sign_in(client, "mia")
    link = _download_link(await _ask(client))
    for wrong in (link[:-1], f"{D}/archive/%C3%A9t%C3%A9", f"{D}/archive/%00"):
        assert (await client.get(wrong)).status == 404, wrong
    for other in ("rita", "ada", "nodemod"):
        await sign_in(client, other)
        response = await client.get(link)
        assert response.status == 404, other
        assert "application/zip" not in response.headers["Content-Type"]
    client.session.cookie_jar.clear()
    response = await client.get(link, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/signin?next=")


async def test_a_large_archive_is_prepared_while_the_page_waits(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "SMALL_ACCOUNT_ROWS", 0)  # every account counts as large
    await sign_in(client, "mia")
    html = await _ask(client)
    assert "We are preparing your archive" in html
    assert "/settings/data/archive/" not in html
    response = await client.get(D)
    assert response.headers["Refresh"] == "10"
    # The member may stop the page reloading under their reading, and look again themselves.
    response = await client.get(f"{D}?updates=off")
    assert "Refresh" not in response.headers
    assert "Check again" in await response.text()

    assert await client.app[WORKERS].build_archive() == 1
    _, html = await page(client, D)
    assert "Your archive is ready" in html
    assert (await client.get(_download_link(html))).status == 200
