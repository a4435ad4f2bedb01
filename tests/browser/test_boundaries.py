"""Boundaries in a real browser, in each language: a member chooses who may ask them
for a conversation, blocks the writer of a post from beside it, and unblocks them on
the boundaries page; all with forms that need no script.

Every page passes axe-core with no serious or critical violation, and is
photographed at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.groups import creation, membership
from node.passwords import Passwords
from node.posts import writing
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _member, _sign_in

POST = "Does anyone else find evenings the hardest?"
WORDS = {
    "en": {
        "link": "Your boundaries: who may ask you",
        "title": "Your boundaries",
        "nobody": "Nobody",
        "save": "Save",
        "saved": "Your choice is saved.",
        "tools": "Mute or block",
        "block": "Block mia",
        "blocked": "Blocked. Their posts are no longer shown to you",
        "unblock": "Unblock",
        "unblocked": "Unblocked.",
        "none": "You have not blocked anyone.",
    },
    "de": {
        "link": "Deine Grenzen: wer dich",
        "title": "Deine Grenzen",
        "nobody": "Niemand",
        "save": "Speichern",
        "saved": "Deine Wahl ist gespeichert.",
        "tools": "Stummschalten oder blockieren",
        "block": "mia blockieren",
        "blocked": "Blockiert. Ihre Beiträge werden dir nicht mehr gezeigt",
        "unblock": "Blockierung aufheben",
        "unblocked": "Blockierung aufgehoben.",
        "none": "Du hast niemanden blockiert.",
    },
    "fr": {
        "link": "Vos limites : qui peut vous",
        "title": "Vos limites",
        "nobody": "Personne",
        "save": "Enregistrer",
        "saved": "Votre choix est enregistré.",
        "tools": "Masquer ou bloquer",
        "block": "Bloquer mia",
        "blocked": "Cette personne est bloquée.",
        "unblock": "Débloquer",
        "unblocked": "Le blocage est levé.",
        "none": "Vous n\u2019avez bloqué personne.",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> str:
    """A group, mia's post in it, and rita, a member; the post's id."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        owner = await _member(session, site, passwords, "olga", language, now)
        author = await _member(session, site, passwords, "mia", language, now)
        reader = await _member(session, site, passwords, "rita", language, now)
        await creation.create_group(
            session, site, owner, handle="circle", display_name="The Circle", now=now
        )
        await membership.join_group(session, site, author, "circle", now=now)
        await membership.join_group(session, site, reader, "circle", now=now)
        post = await writing.create_post(session, site, author, "circle", body=POST, now=now)
        return post.public_id


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_member_sets_who_may_ask_blocks_a_writer_and_unblocks_them(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    post_id = await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"boundaries-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()
    await _sign_in(page, node_url, language, "rita")

    await page.goto(f"{node_url}/settings")
    await page.get_by_role("link", name=words["link"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["title"])).to_be_visible()
    await check.page(page, "settings")
    await page.get_by_role("radio", name=words["nobody"], exact=True).check()
    await page.get_by_role("main").get_by_role("button", name=words["save"], exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(words["saved"])
    await expect(page.get_by_role("radio", name=words["nobody"], exact=True)).to_be_checked()

    await page.goto(f"{node_url}/posts/{post_id}")
    await page.get_by_text(words["tools"]).first.click()
    await check.page(page, "thread-tools")
    await page.get_by_role("button", name=words["block"]).click()
    await expect(page.get_by_role("status").first).to_contain_text(words["blocked"])
    await check.page(page, "blocked")

    await page.goto(f"{node_url}/settings/boundaries")
    await expect(page.get_by_text("@mia@")).to_be_visible()
    await page.get_by_role("button", name=words["unblock"]).click()
    await expect(page.get_by_role("status")).to_have_text(words["unblocked"])
    await expect(page.get_by_text(words["none"])).to_be_visible()
    await check.page(page, "unblocked")
    await context.close()
