"""One journey through the node in a real browser, in each language, from a visitor's
sign-up to a moderator's removal and an admin's block.

A visitor signs up, finds a group in the directory and joins it, and starts a thread
with a content warning; another member signs in, finds the thread, opens the warning
and replies; the first member reports the reply; the group's moderator follows the
header to the queue and removes the reply, which is then gone for members;
the node's admin suspends a domain the node knows a group on, and that group leaves
the directory. Each person has a browser of their own.

Only the setting (the group, its moderator, the other member, the admin, the group
elsewhere) is made with node services; every step of the journey goes through the
pages. Every page passes axe-core with no serious or critical violation, and is
photographed at phone and desktop widths.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.actors import upsert_remote_actor
from node.groups import remote_groups
from node.groups.creation import RuleInput
from node.kinds import ActorKind, JoinPolicy, NodeRole
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_first_visit import WORDS as FIRST_VISIT
from tests.browser.test_group_pages import WORDS as GROUPS
from tests.browser.test_moderation_pages import WORDS as MODERATION
from tests.browser.test_threads import WORDS as THREADS
from tests.node.factories import PASSWORD, Node

# What this journey meets that the other journeys do not.
JOURNEY = {
    "en": {
        "start_thread": "Start a thread",
        "removed_post": "This post was removed by a moderator.",
        "on_node": "On another node: {}",
        "moderating": "You are one of its moderators.",
        "go_back": "Go back",
    },
    "de": {
        "start_thread": "Ein Thema beginnen",
        "removed_post": "Dieser Beitrag wurde von der Moderation entfernt.",
        "on_node": "Auf einem anderen Knoten: {}",
        "moderating": "Du gehörst zu ihrer Moderation.",
        "go_back": "Zurück",
    },
    "fr": {
        "start_thread": "Commencer une discussion",
        "removed_post": "Cette publication a été retirée par un modérateur.",
        "on_node": "Sur un autre nœud : {}",
        "moderating": "Vous faites partie de sa modération.",
        "go_back": "Revenir en arrière",
    },
}
LANGUAGES = ("en", "de", "fr")
WORDS = {
    language: {
        **FIRST_VISIT[language],
        **GROUPS[language],
        **THREADS[language],
        **MODERATION[language],
        **JOURNEY[language],
    }
    for language in LANGUAGES
}
BLOCKED = "bad.example"
STORY = "I lost my dog on Monday."
REPLY = "Get over it, it was only a dog."


async def _setting(node: Node, language: str) -> None:
    """The Circle, kept by olga; rita in it; ada, the node's admin; and a group on a
    domain the admin will suspend, known here as a group elsewhere is."""
    olga = await node.member("olga")
    rita = await node.member("rita")
    ada = await node.member("ada", role=NodeRole.ADMIN)
    await node.group(
        olga,
        "circle",
        display_name="The Circle",
        description="For people living with loss.",
        rules=[RuleInput("Be gentle", "Everyone grieves differently.")],
    )
    await node.join(rita, "circle")
    async with node.sessions.begin() as session:
        for viewer in (olga, rita, ada):
            await accounts.update_account(session, viewer, locale=language, now=node.now)
        actor = await upsert_remote_actor(
            session,
            uri=f"https://{BLOCKED}/groups/far",
            kind=ActorKind.GROUP,
            handle="far",
            domain=BLOCKED,
            display_name="Far Away",
            summary="",
            now=node.now,
        )
        await remote_groups.upsert_remote_group(
            session, actor, join_policy=JoinPolicy.OPEN, posting_restricted_to_moderators=False
        )


async def _browser_of(browser: Browser, language: str) -> tuple[BrowserContext, Page]:
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    return context, await context.new_page()


async def _sign_in(page: Page, node_url: str, words: dict[str, str], handle: str) -> None:
    """Through the header's link and the sign-in page, as a returning member would."""
    await page.goto(node_url + "/")
    await page.get_by_role("banner").get_by_role("link", name=words["sign_in"]).click()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await page.get_by_label(words["username"]).fill(handle)
    await page.get_by_label(words["password"]).fill(PASSWORD)
    await page.get_by_role("main").get_by_role("button", name=words["sign_in"]).click()
    await expect(page.get_by_text(words["signed_in"].format(handle))).to_be_visible()


async def _to_the_circle(page: Page, words: dict[str, str]) -> None:
    """From any page, by the header's link to the directory."""
    await page.get_by_role("banner").get_by_role("link", name=words["groups"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["groups"])).to_be_visible()
    await page.get_by_role("link", name="The Circle").click()
    await expect(page.get_by_role("heading", level=1, name="The Circle")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_from_sign_up_to_a_removed_post_and_a_blocked_domain(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    words, check = WORDS[language], Checks(f"journey-{language}")
    await _setting(Node(sessions, site, passwords, now), language)
    newcomer = f"newcomer_{language}"

    # A visitor signs up, from the start page.
    first, page = await _browser_of(browser, language)
    await page.goto(node_url + "/")
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await page.get_by_role("main").get_by_role("link", name=words["sign_up"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["sign_up"])).to_be_visible()
    await check.page(page, "sign-up")
    await page.get_by_label(words["username"]).fill(newcomer)
    password = page.get_by_label(words["password"])
    await password.fill("a long enough password")
    await password.press("Enter")
    await expect(page.get_by_text(words["signed_in"].format(newcomer))).to_be_visible()
    await check.page(page, "signed-up")

    # They find the group in the directory (beside a group on another node) and join it.
    await page.get_by_role("banner").get_by_role("link", name=words["groups"]).click()
    await expect(page.get_by_role("heading", level=1, name=words["groups"])).to_be_visible()
    await expect(page.get_by_role("link", name="Far Away")).to_be_visible()
    await expect(page.get_by_text(words["on_node"].format(BLOCKED))).to_be_visible()
    await check.page(page, "directory")
    search = page.get_by_label(words["search"])
    await search.fill("circle")
    await search.press("Enter")
    await expect(page.get_by_role("link", name="Far Away")).to_have_count(0)
    await page.get_by_role("link", name="The Circle").click()
    await expect(page.get_by_role("heading", level=1, name="The Circle")).to_be_visible()
    await expect(page.get_by_text(words["not_member"])).to_be_visible()
    await expect(page.get_by_text("Be gentle")).to_be_visible()
    await check.page(page, "group")
    await page.get_by_role("button", name=words["join"]).click()
    await expect(page.get_by_text(words["member"])).to_be_visible()
    await check.page(page, "group-joined")

    # They start a thread with a content warning.
    await page.get_by_role("link", name=words["start_thread"]).click()
    await expect(page.get_by_label(words["language"])).to_have_value(language)
    await check.page(page, "compose")
    await page.get_by_label(words["title"]).fill("A hard week")
    await page.get_by_label(words["body"], exact=True).fill("I lost my *dog* on Monday.")
    await page.get_by_label(words["cw"]).fill("loss")
    await page.get_by_role("button", name=words["post"], exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("A hard week")
    await expect(page.get_by_text(STORY)).to_be_hidden()  # behind the warning for them too
    await check.page(page, "thread")

    # Another member signs in, finds the thread, opens the warning by keyboard, replies.
    second, other = await _browser_of(browser, language)
    await _sign_in(other, node_url, words, "rita")
    await _to_the_circle(other, words)
    await expect(other.get_by_text(words["warning"].format("loss"))).to_be_visible()
    await other.get_by_role("link", name="A hard week").click()
    await expect(other.get_by_role("heading", level=1)).to_have_text("A hard week")
    story = other.get_by_text(STORY)
    await expect(story).to_be_hidden()
    await check.page(other, "thread-warning-closed")
    summary = other.locator("summary", has_text=words["warning"].format("loss"))
    await summary.focus()
    await other.keyboard.press("Enter")
    await expect(story).to_be_visible()
    await other.get_by_label(words["reply"]).fill(REPLY)
    await other.get_by_role("button", name=words["send_reply"]).click()
    await expect(other.get_by_text(REPLY)).to_be_visible()
    await check.page(other, "thread-replied")

    # The first member reports the reply.
    await page.reload()
    await expect(page.get_by_text(REPLY)).to_be_visible()
    await (
        page.locator("article.reply")
        .get_by_role("link", name=re.compile("^" + words["report"]))
        .click()
    )
    await expect(page).to_have_url(re.compile(r"/posts/[^/]+/report$"))
    await check.page(page, "report")
    await page.get_by_label(words["reason"]).fill("This was cruel.")
    await page.get_by_label("Be gentle").check()
    await page.get_by_role("button", name=words["send_report"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(words["thanks"])
    await check.page(page, "report-sent")
    await page.get_by_role("main").get_by_role("link", name=words["go_back"], exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("A hard week")

    # The group's moderator (no staff of the node) sees that they moderate it, follows
    # the header to the queue, and removes the reply.
    third, moderator = await _browser_of(browser, language)
    await _sign_in(moderator, node_url, words, "olga")
    await _to_the_circle(moderator, words)
    await expect(moderator.get_by_text(words["moderating"])).to_be_visible()
    banner = moderator.get_by_role("banner")
    await expect(banner.get_by_role("link", name=words["admin"], exact=True)).to_have_count(0)
    await banner.get_by_role("link", name=words["moderation"]).click()
    await expect(moderator.get_by_role("heading", level=1, name=words["queue"])).to_be_visible()
    await expect(moderator.get_by_text("This was cruel.")).to_be_visible()
    # The reply reported is collapsed until the moderator chooses to read it (issue 21).
    await expect(moderator.get_by_text(REPLY)).to_be_hidden()
    await moderator.locator("details.reported-post > summary").click()
    await expect(moderator.get_by_text(REPLY)).to_be_visible()
    await check.page(moderator, "queue")
    await moderator.get_by_label(words["why_remove"]).fill("Unkind to a grieving member")
    await moderator.get_by_role("button", name=words["remove"]).click()
    await expect(moderator.get_by_role("status")).to_have_text(words["removed"])
    await check.page(moderator, "queue-removed")
    await moderator.get_by_label(words["note"]).fill("Removed the reply")
    await moderator.get_by_role("button", name=words["resolve"], exact=True).click()
    await expect(moderator.get_by_role("status")).to_have_text(words["resolved"])
    await check.page(moderator, "queue-resolved")

    # The reply is gone for the members, the thread stays.
    for seen in (page, other):
        await seen.reload()
        await expect(seen.get_by_role("heading", level=1)).to_have_text("A hard week")
        await expect(seen.get_by_text(REPLY)).to_have_count(0)
        await expect(seen.get_by_text(words["removed_post"])).to_be_visible()
    await check.page(other, "thread-reply-removed")

    # The node's admin suspends the domain of the group elsewhere; it leaves the directory.
    fourth, admin = await _browser_of(browser, language)
    await _sign_in(admin, node_url, words, "ada")
    await admin.get_by_role("banner").get_by_role("link", name=words["admin"], exact=True).click()
    await expect(admin.get_by_role("heading", level=1, name=words["settings"])).to_be_visible()
    await admin.get_by_role("link", name=words["federation"], exact=True).click()
    await expect(admin.get_by_role("heading", level=1, name=words["federation"])).to_be_visible()
    await check.page(admin, "federation")
    await admin.get_by_label(words["domain"], exact=True).fill(BLOCKED)
    await admin.get_by_label(words["suspend"], exact=True).check()
    await admin.get_by_label(words["public_reason"]).fill("Harassment")
    await admin.get_by_role("button", name=words["save_rule"]).click()
    await expect(admin.get_by_role("status")).to_have_text(words["saved"])
    await expect(admin.get_by_role("rowheader", name=BLOCKED)).to_be_visible()
    await check.page(admin, "federation-blocked")

    await page.get_by_role("banner").get_by_role("link", name=words["groups"]).click()
    await expect(page.get_by_role("link", name="The Circle")).to_be_visible()
    await expect(page.get_by_role("link", name="Far Away")).to_have_count(0)
    await expect(page.get_by_text(words["on_node"].format(BLOCKED))).to_have_count(0)
    await check.page(page, "directory-after-block")
    for context in (first, second, third, fourth):
        await context.close()
