"""A check-in in a real browser, in each language: a member opens their check-ins from the
header, records how they are with a few words and a note, sees it in their history and
in the chart (an image with its summary), and shares it with their group, where it
shows as a check-in.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.groups import creation
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _member, _sign_in

NOTE = "Slept a little better."
WORDS = {
    "en": {
        "header": "Check-ins",
        "okay": "okay",
        "words": "A few words of your own",
        "note": "A note for yourself",
        "save": "Save my check-in",
        "saved": "Thank you for checking in. It is saved, for you alone.",
        "chart": "How you have been, the last 30 days",
        "summary": "Your last check-in: okay",
        "share": "Share",
        "shared": "A check-in: feeling okay",
    },
    "de": {
        "header": "Check-ins",
        "okay": "okay",
        "words": "Ein paar eigene Worte",
        "note": "Eine Notiz für dich",
        "save": "Meinen Check-in speichern",
        "saved": "Danke, dass du eingecheckt hast. Es ist gespeichert, nur für dich.",
        "chart": "Wie es dir ging, die letzten 30 Tage",
        "summary": "Dein letzter Check-in: okay",
        "share": "Teilen",
        "shared": "Ein Check-in: okay",
    },
    "fr": {
        "header": "Check-ins",
        "okay": "ça va",
        "words": "Quelques mots à vous",
        "note": "Une note pour vous",
        "save": "Enregistrer mon check-in",
        "saved": "Merci d\u2019avoir pris ce moment. "
        "Votre check-in est enregistré, pour vous seul·e.",
        "chart": "Comment vous alliez, ces 30 derniers jours",
        "summary": "Votre dernier check-in : ça va",
        "share": "Partager",
        "shared": "Un check-in : ça va",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> None:
    """``ana`` runs the group ``circle``, in ``language``."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        ana = await _member(session, site, passwords, "ana", language, now)
        await creation.create_group(session, site, ana, handle="circle", now=now)


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_record_a_check_in_see_the_chart_and_share_it(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"checkins-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await _sign_in(page, node_url, language, "ana")
    await page.get_by_role("link", name=words["header"], exact=True).click()
    await check.page(page, "empty")
    await page.get_by_label(words["okay"], exact=True).check()
    await page.get_by_label(words["words"]).fill("tired, hopeful")
    await page.get_by_label(words["note"]).fill(NOTE)
    await page.get_by_role("button", name=words["save"]).click()
    await expect(page.get_by_text(words["saved"])).to_be_visible()
    await expect(page.get_by_text(NOTE)).to_be_visible()
    chart = page.get_by_role("img", name=words["chart"])
    await expect(chart).to_be_visible()
    await expect(page.locator("figcaption")).to_have_text(words["summary"])
    await check.page(page, "recorded")

    await page.get_by_role("button", name=words["share"]).click()
    await expect(page.get_by_text(words["shared"]).first).to_be_visible()
    await expect(page.get_by_text(NOTE)).to_be_visible()
    await check.page(page, "shared")
    await context.close()
