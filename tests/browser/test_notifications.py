"""Notifications in a real browser, in each language: a member sees in the header that
something is new, opens her notifications, follows one to the thread, marks them read,
and sets her quiet hours.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.passwords import Passwords
from node.posts import writing
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _sign_in, circle_of_two

WORDS = {
    "en": {
        "header": "Notifications (1 new)",
        "plain": "Notifications",
        "said": "ben replied to your post in “Long nights”",
        "all_read": "Mark all as read",
        "quiet_link": "Quiet hours and time zone",
        "zone": "Your time zone",
        "from": "Quiet hours start at",
        "until": "Quiet hours end at",
        "save": "Save",
        "saved": "Your quiet hours are saved.",
    },
    "de": {
        "header": "Benachrichtigungen (1 neu)",
        "plain": "Benachrichtigungen",
        "said": "ben hat auf deinen Beitrag in „Long nights“ geantwortet",
        "all_read": "Alle als gelesen markieren",
        "quiet_link": "Ruhezeiten und Zeitzone",
        "zone": "Deine Zeitzone",
        "from": "Ruhezeiten beginnen um",
        "until": "Ruhezeiten enden um",
        "save": "Speichern",
        "saved": "Deine Ruhezeiten sind gespeichert.",
    },
    "fr": {
        "header": "Notifications (nouveautés : 1)",
        "plain": "Notifications",
        "said": "ben a répondu à votre publication dans «\u00a0Long nights\u00a0»",
        "all_read": "Tout marquer comme lu",
        "quiet_link": "Heures calmes et fuseau horaire",
        "zone": "Votre fuseau horaire",
        "from": "Les heures calmes commencent à",
        "until": "Les heures calmes se terminent à",
        "save": "Enregistrer",
        "saved": "Vos heures calmes sont enregistrées.",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> None:
    """``ana``'s thread in her circle, and ``ben``'s reply to it, in ``language``."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        ana, ben = await circle_of_two(session, site, passwords, language, now)
        post = await writing.create_post(
            session, site, ana, "circle", body="The nights are long.", title="Long nights", now=now
        )
        await writing.reply(session, site, ben, post.public_id, body="I am awake too.", now=now)


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_see_open_follow_and_mark_read(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"notifications-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await _sign_in(page, node_url, language, "ana")
    await page.get_by_role("link", name=words["header"]).click()
    await expect(page.get_by_role("link", name=words["said"])).to_be_visible()
    await expect(page.get_by_text("I am awake too.")).to_have_count(0)  # said in the thread
    await check.page(page, "list")
    await page.get_by_role("link", name=words["said"]).click()
    await expect(page.get_by_text("I am awake too.")).to_be_visible()
    await page.get_by_role("link", name=words["header"]).click()
    await page.get_by_role("button", name=words["all_read"]).click()
    await expect(page.get_by_role("link", name=words["plain"], exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name=words["all_read"])).to_have_count(0)
    await check.page(page, "read")

    await page.get_by_role("link", name=words["quiet_link"]).click()
    await page.get_by_label(words["zone"]).fill("Europe/Berlin")
    await page.get_by_label(words["from"]).fill("22:00")
    await page.get_by_label(words["until"]).fill("07:00")
    await check.page(page, "quiet-hours")
    await page.get_by_role("main").get_by_role("button", name=words["save"]).click()
    await expect(page.get_by_text(words["saved"])).to_be_visible()
    await expect(page.get_by_label(words["zone"])).to_have_value("Europe/Berlin")
    await check.page(page, "quiet-hours-saved")
    await context.close()
