"""A first visit in a real browser, in each language: the start page, a sign-up that
goes wrong and is put right, signing out and in again, by keyboard where it matters.

Every page passes axe-core with no serious or critical violation, and is
photographed at phone and desktop widths.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.browser.conftest import Checks, new_context

WORDS = {
    "en": {
        "about": "What this place is",
        "sign_up": "Sign up",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "username": "Username",
        "password": "Password",
        "create": "Create my account",
        "summary": "Please check the form",
        "short": "Use at least 8 characters.",
        "skip": "Skip to main content",
        "signed_in": "Signed in as @{}",
    },
    "de": {
        "about": "Was dieser Ort ist",
        "sign_up": "Registrieren",
        "sign_in": "Anmelden",
        "sign_out": "Abmelden",
        "username": "Benutzername",
        "password": "Passwort",
        "create": "Mein Konto anlegen",
        "summary": "Bitte prüfe das Formular",
        "short": "Verwende mindestens 8 Zeichen.",
        "skip": "Zum Hauptinhalt springen",
        "signed_in": "Angemeldet als @{}",
    },
    "fr": {
        "about": "Ce qu\u2019est ce lieu",
        "sign_up": "S\u2019inscrire",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "username": "Nom d\u2019utilisateur",
        "password": "Mot de passe",
        "create": "Créer mon compte",
        "summary": "Veuillez vérifier le formulaire",
        "short": "Utilisez au moins 8 caractères.",
        "skip": "Aller au contenu principal",
        "signed_in": "Connecté en tant que @{}",
    },
}
BROWSER_LOCALE = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR"}


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_first_visit(browser: Browser, node_url: str, language: str) -> None:
    words, check = WORDS[language], Checks(f"first-visit-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()
    handle = f"visitor_{language}"

    await page.goto(node_url + "/")
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.get_by_role("heading", name=words["about"])).to_be_visible()
    # The first Tab reaches the skip link, which is then visible and leads to the content.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=words["skip"])
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    await check.page(page, "start")

    await page.get_by_role("main").get_by_role("link", name=words["sign_up"]).click()
    await page.get_by_label(words["username"]).fill(handle)
    await page.get_by_label(words["password"]).fill("short")
    await page.get_by_role("button", name=words["create"]).click()
    await expect(page.get_by_role("alert")).to_contain_text(words["summary"])
    password = page.get_by_label(words["password"])
    await expect(password).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_text(words["short"]).first).to_be_visible()
    await expect(page.get_by_label(words["username"])).to_have_value(handle)
    await check.page(page, "sign-up-refused")

    await password.fill("a long enough password")
    await password.press("Enter")  # the keyboard is enough to send a form
    signed_in = words["signed_in"].format(handle)
    await expect(page.get_by_text(signed_in)).to_be_visible()
    await check.page(page, "start-signed-in")

    await page.get_by_role("button", name=words["sign_out"]).click()
    await expect(page.get_by_text(signed_in)).to_have_count(0)
    await page.get_by_role("banner").get_by_role("link", name=words["sign_in"]).click()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await check.page(page, "sign-in")
    await page.get_by_label(words["username"]).fill(handle)
    await page.get_by_label(words["password"]).fill("a long enough password")
    await page.get_by_role("button", name=words["sign_in"]).click()
    await expect(page.get_by_text(signed_in)).to_be_visible()
    await context.close()
