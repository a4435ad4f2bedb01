"""The pages under their own Content-Security-Policy, in a real browser: the policy is
enforced (an inline handler slipped into a page does not run, and is reported),
the pages break none of it on the way from the start page to a thread with a
content warning and a reply, and after signing out the back button shows no
member's page.

Every other journey's checked pages are held to the policy too (``Checks.page``).
That pages shown to a member are marked ``no-store`` is checked on the wire
(``tests/web/test_security_headers.py``): this chromium would not show the old
page here even without it (its cache honours ``Vary: Cookie``, and Playwright
turns the back-forward cache off), but other browsers, shared caches and a disk
cache left behind on a shared computer rely on it.
"""

from __future__ import annotations

import re
from datetime import datetime

from playwright.async_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.groups.creation import RuleInput
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import csp_violations, new_context
from tests.node.factories import PASSWORD, Node


async def _sign_in(page: Page, node_url: str, handle: str, to: str) -> None:
    await page.goto(f"{node_url}/signin?next={to}")
    await page.get_by_label("Username").fill(handle)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(node_url + to)


async def test_the_pages_work_under_their_policy_and_break_none_of_it(
    browser: Browser,
    node_url: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    node = Node(sessions, site, passwords, now)
    owner = await node.member("keeper")
    await node.group(owner, "circle", display_name="Circle", rules=[RuleInput("Be gentle")])
    await node.join(await node.member("writer"), "circle")
    context = await new_context(browser, locale="en-GB")
    page = await context.new_page()
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # The browser's own request for an icon (the node has none) is not the pages'.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} at {message.location['url']}")

    page.on("console", console)
    seen: dict[str, list[str]] = {}

    async def visited(name: str) -> None:
        seen[name] = await csp_violations(page)

    response = await page.goto(node_url + "/")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # The style sheet is ours, so it is loaded and applies.
    assert await page.evaluate("document.styleSheets[0].cssRules.length") > 10
    await visited("start")

    await _sign_in(page, node_url, "writer", "/groups/circle/compose")
    await visited("compose")
    await page.get_by_label("Title").fill("A hard week")
    await page.get_by_label("Your post", exact=True).fill("I lost my *dog* on Monday.")
    await page.get_by_label("Content warning").fill("loss")
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("A hard week")
    story = page.get_by_text("I lost my dog on Monday.")
    await expect(story).to_be_hidden()
    await page.locator("summary", has_text="Content warning: loss").click()
    await expect(story).to_be_visible()  # the warning's toggle is the browser's own
    await page.get_by_label("Your reply").fill("Writing it down helped.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_text("Writing it down helped.")).to_be_visible()
    await visited("thread")
    await page.goto(node_url + "/groups/circle")
    await visited("group")
    await page.goto(node_url + "/settings")
    await visited("settings")

    assert {name: found for name, found in seen.items() if found} == {}
    assert errors == []

    # The policy is really enforced: an inline handler slipped into a page is refused.
    await page.evaluate(
        """() => document.body.insertAdjacentHTML(
               "beforeend", '<img alt="" src="/nothing" onerror="window.__ran = true">')"""
    )
    await page.wait_for_function("window.__cspViolations.length > 0")
    refused = await csp_violations(page)
    assert len(refused) == 1
    assert refused[0].startswith("script-src-attr refused inline"), refused
    assert await page.evaluate("window.__ran") is None
    await context.close()


async def test_the_back_button_shows_nothing_after_signing_out(
    browser: Browser,
    node_url: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    await Node(sessions, site, passwords, now).member("ana")
    context = await new_context(browser, locale="en-GB")
    page = await context.new_page()
    await _sign_in(page, node_url, "ana", "/settings")
    await expect(page.get_by_text("Signed in as @ana")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("Signed in as @ana")).to_have_count(0)
    await page.go_back()
    # Not the page as it was: asked for again, it is the sign-in page now.
    await expect(page).to_have_url(re.compile(r"/signin\?next="))
    await expect(page.get_by_text("Signed in as @ana")).to_have_count(0)
    await context.close()
