"""A thread in a real browser, in each language: a member starts one with a content
warning, another opens it (the warning stays closed until opened, by keyboard), replies,
and the first reports the reply.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.groups.creation import RuleInput
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.node.factories import PASSWORD, Node

WORDS = {
    "en": {
        "username": "Username",
        "password": "Password",
        "sign_in": "Sign in",
        "title": "Title",
        "body": "Your post",
        "cw": "Content warning",
        "post": "Post",
        "warning": "Content warning: {}",
        "reply": "Your reply",
        "send_reply": "Send reply",
        "report": "Report",
        "reason": "What is wrong?",
        "send_report": "Send report",
        "thanks": "Thank you for your report",
        "language": "Language of your post",
    },
    "de": {
        "username": "Benutzername",
        "password": "Passwort",
        "sign_in": "Anmelden",
        "title": "Titel",
        "body": "Dein Beitrag",
        "cw": "Inhaltswarnung",
        "post": "Veröffentlichen",
        "warning": "Inhaltswarnung: {}",
        "reply": "Deine Antwort",
        "send_reply": "Antwort senden",
        "report": "Melden",
        "reason": "Was stimmt nicht?",
        "send_report": "Meldung abschicken",
        "thanks": "Danke für deine Meldung",
        "language": "Sprache deines Beitrags",
    },
    "fr": {
        "username": "Nom d\u2019utilisateur",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "title": "Titre",
        "body": "Votre publication",
        "cw": "Avertissement de contenu",
        "post": "Publier",
        "warning": "Avertissement de contenu : {}",
        "reply": "Votre réponse",
        "send_reply": "Envoyer la réponse",
        "report": "Signaler",
        "reason": "Qu\u2019est-ce qui ne va pas ?",
        "send_report": "Envoyer le signalement",
        "thanks": "Merci pour votre signalement",
        "language": "Langue de votre publication",
    },
}
BROWSER_LOCALE = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR"}


async def signed_in(
    browser: Browser, node_url: str, language: str, handle: str, to: str
) -> tuple[BrowserContext, Page]:
    """A browser of its own, signed in as ``handle``, on the page at ``to``."""
    words = WORDS[language]
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()
    await page.goto(node_url + "/signin?next=" + quote(to, safe=""))
    await page.get_by_label(words["username"]).fill(handle)
    await page.get_by_label(words["password"]).fill(PASSWORD)
    await page.get_by_role("button", name=words["sign_in"]).click()
    await expect(page).to_have_url(node_url + to)
    return context, page


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_thread_with_a_warning_a_reply_and_a_report(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    words, check = WORDS[language], Checks(f"threads-{language}")
    node = Node(sessions, site, passwords, now)
    owner = await node.member("keeper")
    await node.group(owner, "circle", display_name="Circle", rules=[RuleInput("Be gentle")])
    for handle in ("writer", "reader"):
        member = await node.member(handle)
        await node.join(member, "circle")
        async with sessions.begin() as session:
            await accounts.update_account(session, member, locale=language, now=now)

    # The writer starts a thread with a content warning.
    writer, page = await signed_in(browser, node_url, language, "writer", "/groups/circle/compose")
    await expect(page.get_by_label(words["language"])).to_have_value(language)
    await check.page(page, "compose")
    await page.get_by_label(words["title"]).fill("A hard week")
    await page.get_by_label(words["body"], exact=True).fill("I lost my *dog* on Monday.")
    await page.get_by_label(words["cw"]).fill("loss")
    await page.get_by_role("button", name=words["post"], exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("A hard week")
    thread = page.url.removeprefix(node_url)
    await check.page(page, "thread-by-writer")

    # The reader opens it: the warning is closed, and opens from the keyboard.
    reader, other = await signed_in(browser, node_url, language, "reader", thread)
    story = other.get_by_text("I lost my dog on Monday.")
    await expect(story).to_be_hidden()
    summary = other.locator("summary", has_text=words["warning"].format("loss"))
    await check.page(other, "thread-warning-closed")
    await summary.focus()
    await expect(summary).to_be_focused()
    await other.keyboard.press("Enter")
    await expect(story).to_be_visible()
    await check.page(other, "thread-warning-open")
    await other.get_by_label(words["reply"]).fill("I am so sorry. Dogs are family.")
    await other.get_by_role("button", name=words["send_reply"]).click()
    await expect(other.get_by_text("I am so sorry. Dogs are family.")).to_be_visible()
    await check.page(other, "thread-with-reply")

    # The writer reports the reply.
    await page.reload()
    reply = page.locator("article.reply")
    await reply.get_by_role("link", name=re.compile("^" + words["report"])).click()
    await expect(page).to_have_url(re.compile(r"/posts/[^/]+/report$"))
    await check.page(page, "report")
    await page.get_by_label(words["reason"]).fill("This felt dismissive to me.")
    await page.get_by_label("Be gentle").check()
    await page.get_by_role("button", name=words["send_report"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(words["thanks"])
    await check.page(page, "report-sent")
    await writer.close()
    await reader.close()
