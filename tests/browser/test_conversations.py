"""A conversation in a real browser, in each language: a member asks another to talk
from their profile; the other sees who asks, opens the request, accepts; they talk; one
ends it and the other sees it has ended.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _sign_in, circle_of_two

ASKED = "I read your post about the nights. Could we talk?"
ANSWER = "Yes, gladly. How are you today?"
WORDS = {
    "en": {
        "ask": "Ask to talk",
        "ask_title": "Ask someone to talk",
        "first": "Your first message",
        "waiting": "Your request is waiting for ben to answer.",
        "header": "Conversations (1 new)",
        "requests": "Requests (1)",
        "open": "Open the request from ana",
        "accept": "Accept",
        "message": "Your message",
        "send": "Send",
        "end": "End conversation",
        "ended": "This conversation has ended.",
        "with_ben": "With ben",
        "with_ana": "With ana",
    },
    "de": {
        "ask": "Um ein Gespräch bitten",
        "ask_title": "Jemanden um ein Gespräch bitten",
        "first": "Deine erste Nachricht",
        "waiting": "Deine Anfrage wartet auf eine Antwort von ben.",
        "header": "Gespräche (1 neu)",
        "requests": "Anfragen (1)",
        "open": "Anfrage von ana öffnen",
        "accept": "Annehmen",
        "message": "Deine Nachricht",
        "send": "Senden",
        "end": "Gespräch beenden",
        "ended": "Dieses Gespräch ist beendet.",
        "with_ben": "Mit ben",
        "with_ana": "Mit ana",
    },
    "fr": {
        "ask": "Demander à parler",
        "ask_title": "Demander à quelqu\u2019un de parler",
        "first": "Votre premier message",
        "waiting": "Votre demande attend la réponse de ben.",
        "header": "Conversations (nouveautés : 1)",
        "requests": "Demandes (1)",
        "open": "Ouvrir la demande de ana",
        "accept": "Accepter",
        "message": "Votre message",
        "send": "Envoyer",
        "end": "Mettre fin à la conversation",
        "ended": "Cette conversation est terminée.",
        "with_ben": "Avec ben",
        "with_ana": "Avec ana",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> None:
    """``ana`` and ``ben`` share a group (so ana may ask ben), in ``language``."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        await circle_of_two(session, site, passwords, language, now)


async def _signed_out(page: Page) -> None:
    await page.context.clear_cookies()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_request_accept_talk_and_end(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"conversations-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await _sign_in(page, node_url, language, "ana")
    await page.goto(f"{node_url}/members/ben")
    await page.get_by_role("link", name=words["ask"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["ask_title"])).to_be_visible()
    await check.page(page, "ask")
    await page.get_by_label(words["first"]).fill(ASKED)
    await page.get_by_role("button", name=words["ask"]).click()
    await expect(page.get_by_text(words["waiting"])).to_be_visible()
    await check.page(page, "waiting")
    await _signed_out(page)

    await _sign_in(page, node_url, language, "ben")
    await page.get_by_role("link", name=words["header"]).click()
    await page.get_by_role("link", name=words["requests"]).click()
    await expect(page.get_by_text(ASKED)).to_have_count(0)  # who asks, not what
    await check.page(page, "requests")
    await page.get_by_role("link", name=words["open"]).click()
    await expect(page.get_by_text(ASKED)).to_be_visible()
    await check.page(page, "request")
    await page.get_by_role("button", name=words["accept"], exact=True).click()
    await page.get_by_label(words["message"]).fill(ANSWER)
    await page.get_by_role("button", name=words["send"]).click()
    await expect(page.get_by_text(ANSWER)).to_be_visible()
    await check.page(page, "talking")
    await _signed_out(page)

    await _sign_in(page, node_url, language, "ana")
    await page.get_by_role("link", name=words["header"]).click()
    await page.get_by_role("link", name=words["with_ben"]).click()
    await expect(page.get_by_text(ANSWER)).to_be_visible()
    await page.get_by_role("link", name=words["end"]).click()
    await check.page(page, "end")
    await page.get_by_role("button", name=words["end"]).click()
    await _signed_out(page)

    await _sign_in(page, node_url, language, "ben")
    await page.goto(f"{node_url}/conversations")
    await page.get_by_role("link", name=words["with_ana"]).click()
    await expect(page.get_by_text(words["ended"])).to_be_visible()
    await expect(page.get_by_label(words["message"])).to_have_count(0)
    await check.page(page, "ended")
    await context.close()
