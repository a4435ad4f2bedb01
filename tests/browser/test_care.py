"""Care in a real browser, in each language: a member says they are worried about the
author of a post, and the author reads a kind message; a moderator opens a reported
post, collapsed in the queue, with the keyboard alone.

Every page passes axe-core with no serious or critical violation, and is
photographed at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.crisis.editing import set_node_resources
from node.crisis.resources import ResourceEntry
from node.groups import creation, membership
from node.kinds import ContactKind, NodeRole
from node.passwords import Passwords
from node.posts import writing
from node.reports import filing
from node.site import Site
from node.views import Viewer
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _member, _sign_in

POST = "I cannot sleep and nothing helps any more."
WORDS = {
    "en": {
        "worried": "I'm worried",
        "title": "I am worried about someone",
        "anything": "Anything the moderators should know?",
        "tell": "Tell the moderators",
        "thanks": "Thank you for caring",
        "notice": "Someone in your community is thinking of you.",
        "read": "Read your message",
        "messages": "Messages from your community",
        "mark": "Mark as read",
        "queue": "Moderation queue",
        "the_post": "The post",
    },
    "de": {
        "worried": "Ich mache mir Sorgen",
        "title": "Ich mache mir Sorgen um jemanden",
        "anything": "Sollte die Moderation noch etwas wissen?",
        "tell": "Der Moderation Bescheid geben",
        "thanks": "Danke, dass du dich kümmerst",
        "notice": "Jemand aus deiner Gemeinschaft denkt an dich.",
        "read": "Deine Nachricht lesen",
        "messages": "Nachrichten aus deiner Gemeinschaft",
        "mark": "Als gelesen markieren",
        "queue": "Moderationswarteschlange",
        "the_post": "Der Beitrag",
    },
    "fr": {
        "worried": "Je m\u2019inquiète",
        "title": "Je m\u2019inquiète pour quelqu\u2019un",
        "anything": "Quelque chose que les modérateurs devraient savoir ?",
        "tell": "Prévenir les modérateurs",
        "thanks": "Merci de votre attention",
        "notice": "Quelqu\u2019un de votre communauté pense à vous.",
        "read": "Lire votre message",
        "messages": "Messages de votre communauté",
        "mark": "Marquer comme lu",
        "queue": "File de modération",
        "the_post": "Le message",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    language: str,
    *,
    reported: bool,
) -> str:
    """The node's crisis line, a group's owner, a post in the group (reported, if
    ``reported``, with a content warning), and a worried member; the post's id."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        admin = Viewer(account_id=0, actor_id=0, role=NodeRole.ADMIN)
        samaritans = ResourceEntry("Samaritans", ContactKind.PHONE, "116 123")
        await set_node_resources(session, admin, [samaritans])
        owner = await _member(session, site, passwords, "olga", language, now)
        author = await _member(session, site, passwords, "mia", language, now)
        worried = await _member(session, site, passwords, "wren", language, now)
        await creation.create_group(
            session, site, owner, handle="circle", display_name="The Circle", now=now
        )
        await membership.join_group(session, site, author, "circle", now=now)
        await membership.join_group(session, site, worried, "circle", now=now)
        post = await writing.create_post(
            session, site, author, "circle", body=POST, content_warning="sleep", now=now
        )
        if reported:
            await filing.file_report(
                session, site, worried, post_id=post.public_id, reason="Worrying", now=now
            )
        return post.public_id


async def _signed_out(page: Page) -> None:
    await page.context.clear_cookies()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_member_is_worried_and_the_author_reads_a_kind_message(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    post_id = await _seed(sessions, site, passwords, language, reported=False)
    words, check = WORDS[language], Checks(f"care-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await _sign_in(page, node_url, language, "wren")
    await page.goto(f"{node_url}/posts/{post_id}")
    await page.get_by_role("link", name=words["worried"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["title"])).to_be_visible()
    await check.page(page, "care-form")
    await page.get_by_label(words["anything"]).fill("She has not slept for weeks")
    await page.get_by_role("button", name=words["tell"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["thanks"])).to_be_visible()
    await check.page(page, "care-sent")
    await _signed_out(page)

    await _sign_in(page, node_url, language, "mia")
    await expect(page.get_by_text(words["notice"])).to_be_visible()
    await page.get_by_role("link", name=words["read"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["messages"])).to_be_visible()
    await expect(page.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    await expect(page.get_by_text("wren")).to_have_count(0)
    await expect(page.get_by_text("slept")).to_have_count(0)
    await check.page(page, "care-messages")
    await page.get_by_role("button", name=words["mark"]).click()
    await expect(page.get_by_role("button", name=words["mark"])).to_have_count(0)
    await context.close()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_moderator_opens_a_collapsed_post_with_the_keyboard(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    await _seed(sessions, site, passwords, language, reported=True)
    words, check = WORDS[language], Checks(f"queue-preview-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await _sign_in(page, node_url, language, "olga")
    await page.goto(node_url + "/moderation")
    await expect(page.get_by_role("heading", level=1, name=words["queue"])).to_be_visible()
    # Collapsed: its warning shows, its words do not.
    summary = page.locator("details.reported-post > summary")
    await expect(summary).to_contain_text(words["the_post"])
    await expect(summary).to_contain_text("sleep")
    await expect(page.get_by_text(POST)).to_be_hidden()
    await check.page(page, "queue-collapsed")
    # Tab to it and open it with the keyboard.
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await summary.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the collapsed post cannot be reached with Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(POST)).to_be_visible()
    await check.page(page, "queue-opened")
    await context.close()
