"""Deleting one's account in a real browser, in each language: from the settings to the
page that says what goes and what stays; a wrong password is said beside its field; then
the password and the checkbox, and a kind goodbye; the profile then says the account was
deleted.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import PASSWORD, _member, _sign_in

WORDS = {
    "en": {
        "leave": "Leaving: delete your account",
        "title": "Delete your account",
        "password": "Your password",
        "confirm": "I understand that my account and what I wrote will be deleted.",
        "delete": "Delete my account",
        "wrong": "This is not your password.",
        "goodbye": "Your account is deleted",
        "gone": "This account was deleted",
    },
    "de": {
        "leave": "Gehen: dein Konto löschen",
        "title": "Dein Konto löschen",
        "password": "Dein Passwort",
        "confirm": "Ich verstehe, dass mein Konto und alles, was ich geschrieben habe, "
        "gelöscht werden.",
        "delete": "Mein Konto löschen",
        "wrong": "Das ist nicht dein Passwort.",
        "goodbye": "Dein Konto ist gelöscht",
        "gone": "Dieses Konto wurde gelöscht",
    },
    "fr": {
        "leave": "Partir : supprimer votre compte",
        "title": "Supprimer votre compte",
        "password": "Votre mot de passe",
        "confirm": "Je comprends que mon compte et ce que j\u2019ai écrit seront supprimés.",
        "delete": "Supprimer mon compte",
        "wrong": "Ce n\u2019est pas votre mot de passe.",
        "goodbye": "Votre compte est supprimé",
        "gone": "Ce compte a été supprimé",
    },
}


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_member_deletes_their_account_after_reading_what_happens(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    async with sessions.begin() as session:
        await _member(session, site, passwords, "ana", language, datetime.now().astimezone())
    words, check = WORDS[language], Checks(f"account-deletion-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await _sign_in(page, node_url, language, "ana")
    await page.goto(f"{node_url}/settings")
    await page.get_by_role("link", name=words["leave"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["title"])).to_be_visible()
    await check.page(page, "explained")
    await page.get_by_label(words["password"]).fill("not my password")
    await page.get_by_label(words["confirm"]).check()
    await page.get_by_role("button", name=words["delete"]).click()
    await expect(page.get_by_text(words["wrong"]).first).to_be_visible()
    await check.page(page, "wrong-password")

    await page.get_by_label(words["password"]).fill(PASSWORD)
    await page.get_by_label(words["confirm"]).check()
    await page.get_by_role("button", name=words["delete"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["goodbye"])).to_be_visible()
    await check.page(page, "goodbye")
    await page.goto(f"{node_url}/members/ana")
    await expect(page.get_by_role("heading", level=1, name=words["gone"])).to_be_visible()
    await check.page(page, "gone")
    await context.close()
