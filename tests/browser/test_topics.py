"""Support-topic filters in a real browser, in each language: a reader finds a post on
suicide behind its warning and opens it by keyboard, then chooses to hide the topic,
sees the post "hidden by your filters", and opens it on purpose, by keyboard.

Every page passes axe-core with no serious or critical violation.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks
from tests.browser.test_threads import signed_in
from tests.node.factories import Node

WORDS = {
    "en": {
        "warning": "Content warning: Suicide",
        "topic": "Suicide",
        "hide": "Hide",
        "save": "Save",
        "hidden": "Hidden by your filters: Suicide",
        "open": "Show it anyway",
    },
    "de": {
        "warning": "Inhaltswarnung: Suizid",
        "topic": "Suizid",
        "hide": "Ausblenden",
        "save": "Speichern",
        "hidden": "Durch deine Filter ausgeblendet: Suizid",
        "open": "Trotzdem zeigen",
    },
    "fr": {
        "warning": "Avertissement de contenu : Suicide",
        "topic": "Suicide",
        "hide": "Masquer",
        "save": "Enregistrer",
        "hidden": "Masqué par vos filtres : Suicide",
        "open": "L\u2019afficher quand même",
    },
}
TEXT = "Last night I thought about ending it."


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_reader_collapses_then_hides_a_topic_and_opens_the_post_by_keyboard(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    words, check = WORDS[language], Checks(f"topics-{language}")
    node = Node(sessions, site, passwords, now)
    owner = await node.member("keeper")
    await node.group(owner, "circle", display_name="Circle")
    writer, reader = await node.member("writer"), await node.member("reader")
    for member in (writer, reader):
        await node.join(member, "circle")
        async with sessions.begin() as session:
            await accounts.update_account(session, member, locale=language, now=now)
    post = await node.post(writer, "circle", TEXT, title="Tonight", topics=["suicide"])
    thread = f"/posts/{post.public_id}"

    # By default the post waits behind a warning that names its topic.
    context, page = await signed_in(browser, node_url, language, "reader", thread)
    story = page.get_by_text(TEXT)
    await expect(story).to_be_hidden()
    summary = page.locator("summary", has_text=words["warning"])
    await check.page(page, "collapsed")
    await summary.focus()
    await page.keyboard.press("Enter")
    await expect(story).to_be_visible()

    # The reader chooses to hide the topic.
    await page.goto(node_url + "/settings/topics")
    await check.page(page, "settings")
    choice = page.get_by_role("group", name=words["topic"], exact=True)
    await choice.get_by_label(words["hide"]).check()
    await page.get_by_role("button", name=words["save"]).click()
    await expect(page.locator("[role=status]")).to_be_visible()
    await expect(choice.get_by_label(words["hide"])).to_be_checked()

    # The post is hidden, says so, and opens on purpose from the keyboard.
    await page.goto(node_url + thread)
    await expect(page.get_by_text(words["hidden"])).to_be_visible()
    await expect(page.get_by_text(TEXT)).to_have_count(0)
    await check.page(page, "hidden")
    link = page.get_by_role("link", name=words["open"])
    await link.focus()
    await expect(link).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(
        f"{node_url}{thread}?reveal={post.public_id}#post-{post.public_id}"
    )
    story = page.get_by_text(TEXT)
    await expect(story).to_be_hidden()  # still behind its warning
    await page.locator("summary", has_text=words["warning"]).focus()
    await page.keyboard.press("Enter")
    await expect(story).to_be_visible()
    await check.page(page, "opened")
    await context.close()
