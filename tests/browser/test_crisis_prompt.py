"""Crisis resources in a real browser, in each language: folded beside the compose form
and opened by keyboard; a draft that sounds like a crisis comes back with the resources
beside it, a kind sentence and the member's words, and "Post it" posts them as written.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.crisis import editing
from node.crisis.resources import ResourceEntry
from node.kinds import ContactKind, NodeRole
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks
from tests.browser.test_threads import WORDS, signed_in
from tests.node.factories import Node

CRISIS = {
    "en": {
        "help": "If you need help now",
        "alone": "You are not alone",
        "post_it": "Post it",
        "draft": "I can't go on like this anymore.",
    },
    "de": {
        "help": "Wenn du jetzt Hilfe brauchst",
        "alone": "Du bist nicht allein",
        "post_it": "Jetzt veröffentlichen",
        "draft": "Ich kann nicht mehr, wirklich.",
    },
    "fr": {
        "help": "Si vous avez besoin d\u2019aide maintenant",
        "alone": "Vous n\u2019êtes pas seul·e",
        "post_it": "Publier maintenant",
        "draft": "Je n'en peux plus, vraiment.",
    },
}
LINE = ResourceEntry(name="Samaritans", kind=ContactKind.PHONE, value="116 123")


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_crisis_like_draft_is_offered_help_and_posts_after_post_it(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    words, crisis, check = WORDS[language], CRISIS[language], Checks(f"crisis-{language}")
    node = Node(sessions, site, passwords, now)
    admin = await node.member("ada", role=NodeRole.ADMIN)
    await node.run(lambda s: editing.set_node_resources(s, admin, [LINE]))
    await node.group(admin, "circle", display_name="Circle")
    writer = await node.member("writer")
    await node.join(writer, "circle")
    async with sessions.begin() as session:
        await accounts.update_account(session, writer, locale=language, now=now)

    context, page = await signed_in(browser, node_url, language, "writer", "/groups/circle/compose")
    # Where to find help is one keyboard press away, folded beside the form.
    summary = page.locator("details.crisis-details summary")
    await expect(summary).to_have_text(crisis["help"])
    link = page.get_by_role("link", name="116 123")
    await expect(link).to_be_hidden()
    await summary.focus()
    await page.keyboard.press("Enter")
    await expect(link).to_be_visible()
    await page.keyboard.press("Tab")
    await expect(link).to_be_focused()
    await check.page(page, "compose-help-open")

    await page.get_by_label(words["title"]).fill("Tonight")
    await page.get_by_label(words["body"], exact=True).fill(crisis["draft"])
    await page.get_by_role("button", name=words["post"], exact=True).click()
    # The words come back as written, with the resources beside them.
    await expect(page.get_by_role("heading", name=crisis["alone"])).to_be_visible()
    await expect(page.get_by_label(words["body"], exact=True)).to_have_value(crisis["draft"])
    offered = page.locator(".crisis-prompt").get_by_role("link", name="116 123")
    await offered.focus()
    await expect(offered).to_be_focused()
    await check.page(page, "prompt")

    await page.get_by_role("button", name=crisis["post_it"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tonight")
    await expect(page.get_by_text(crisis["draft"])).to_be_visible()
    await check.page(page, "posted")
    await context.close()
