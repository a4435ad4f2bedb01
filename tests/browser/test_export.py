"""Taking one's data in a real browser, in each language: from their settings a member
asks for their archive, is told it is being prepared (the page can stop reloading by
itself), and downloads it once ready: a ZIP with their post in its page and its JSON.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.export import jobs
from node.groups import creation
from node.passwords import Passwords
from node.posts import writing
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _member, _sign_in
from tests.node.export_helpers import archive_files
from web.config import Settings

POST = "Evenings are hard <em>some days</em>, and I write it down here."


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker inside the node: the test says when the archive is built."""
    return dataclasses.replace(settings, embedded_worker=False)


WORDS = {
    "en": {
        "link": "Your data: take a copy",
        "title": "Your data",
        "prepare": "Prepare my archive",
        "preparing": "We are preparing your archive.",
        "stop": "Stop updating this page by itself",
        "again": "Check again",
        "ready": "Your archive is ready",
        "download": "Download your archive",
    },
    "de": {
        "link": "Deine Daten: eine Kopie",
        "title": "Deine Daten",
        "prepare": "Mein Archiv erstellen",
        "preparing": "Wir erstellen gerade dein Archiv.",
        "stop": "Diese Seite nicht mehr von selbst aktualisieren",
        "again": "Erneut nachsehen",
        "ready": "Dein Archiv ist fertig",
        "download": "Dein Archiv herunterladen",
    },
    "fr": {
        "link": "Vos données : emporter une copie",
        "title": "Vos données",
        "prepare": "Préparer mon archive",
        "preparing": "Nous préparons votre archive.",
        "stop": "Ne plus mettre à jour cette page automatiquement",
        "again": "Vérifier à nouveau",
        "ready": "Votre archive est prête",
        "download": "Télécharger votre archive",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> None:
    """mia, who wrote a post in her group."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        mia = await _member(session, site, passwords, "mia", language, now)
        await creation.create_group(session, site, mia, handle="circle", now=now)
        await writing.create_post(session, site, mia, "circle", body=POST, now=now)


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_member_asks_for_their_archive_and_downloads_it(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(jobs, "SMALL_ACCOUNT_ROWS", 0)  # prepared in the background
    await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"export-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language], accept_downloads=True)
    page = await context.new_page()
    await _sign_in(page, node_url, language, "mia")

    await page.goto(f"{node_url}/settings")
    await page.get_by_role("link", name=words["link"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["title"])).to_be_visible()
    await check.page(page, "asking")
    await page.get_by_role("button", name=words["prepare"]).click()
    await expect(page.get_by_role("status")).to_contain_text(words["preparing"])
    await page.get_by_role("link", name=words["stop"]).click()
    await expect(page.get_by_role("link", name=words["again"])).to_be_visible()
    await check.page(page, "preparing")

    assert await jobs.build_next(sessions, site, now=datetime.now(UTC)) == 1
    await page.get_by_role("link", name=words["again"]).click()
    await expect(page.get_by_role("status")).to_contain_text(words["ready"])
    await check.page(page, "ready")
    async with page.expect_download() as started:
        await page.get_by_role("link", name=words["download"]).click()
    download = await started.value
    assert download.suggested_filename.startswith("kinfolk-export-")
    saved = tmp_path / "archive.zip"
    await download.save_as(saved)
    exported, index = archive_files(saved.read_bytes())
    assert [p["text"] for p in exported["posts"]] == [POST]
    assert "&lt;em&gt;some days&lt;/em&gt;" in index
    await context.close()
