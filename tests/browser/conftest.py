"""A real node on a loopback port, and Debian's chromium driven by Playwright.

The pages do not depend on the storage backend, so these tests run on SQLite only
(the storage itself is tested on both). A missing chromium or axe-core is a
failure, not a skip: `make test` installs both.

The pages are served with their real Content-Security-Policy (no inline script),
as visitors get them. Browsers made by ``new_context`` record every violation of
it, and each checked page must have none. axe-core is evaluated through the
DevTools protocol, which the policy does not govern (a ``<script>`` tag would be
refused), so the policy is never loosened to check the pages.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from node.passwords import Passwords
from tests.databases import SqliteDatabases
from web.app import create_app
from web.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("KINFOLK_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO_ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Screenshots of every page of the journeys, for people to look at (ignored by git).
SCREENSHOTS = Path(os.environ.get("KINFOLK_ARTIFACTS", REPO_ROOT / "artifacts")) / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

AiohttpServer = Callable[..., Awaitable[TestServer]]
# Run before a page's own content: keeps what its Content-Security-Policy refused.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}` +
    ` (${event.sourceFile || document.URL}:${event.lineNumber}) ${event.sample}`);
});
"""


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser (its own cookies) that records violations of the pages' CSP."""
    context = await browser.new_context(**options)
    await context.add_init_script(CSP_WATCH)
    return context


async def csp_violations(page: Page) -> list[str]:
    """What the page's Content-Security-Policy refused since it loaded."""
    violations: list[str] | None = await page.evaluate("window.__cspViolations")
    assert violations is not None, "open browsers with new_context: it watches the CSP"
    return violations


@pytest.fixture
def backend(sqlite_databases: SqliteDatabases) -> SqliteDatabases:
    return sqlite_databases


@pytest.fixture
async def node_url(settings: Settings, passwords: Passwords, aiohttp_server: AiohttpServer) -> str:
    server = await aiohttp_server(create_app(settings, passwords=passwords))
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"no chromium at {CHROMIUM}: `make test` installs Debian's", pytrace=False)
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            # Running as root in a container: no sandbox, no /dev/shm to speak of.
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield launched
        await launched.close()


class Checks:
    """What every page of a journey goes through: axe, and two screenshots."""

    def __init__(self, prefix: str) -> None:
        if not AXE.exists():
            pytest.fail(f"no axe-core at {AXE}: `make test` installs it", pytrace=False)
        self.prefix = prefix
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def page(self, page: Page, name: str) -> None:
        assert await csp_violations(page) == [], f"{name}: refused by the page's CSP"
        await page.evaluate(AXE.read_text())
        results: dict[str, Any] = await page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                "wcag22aa", "best-practice"]}})"""
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"])
            for v in results["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert serious == [], f"{name}: accessibility violations"
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            await page.set_viewport_size(size)  # type: ignore[arg-type]
            await page.screenshot(
                path=SCREENSHOTS / f"{self.prefix}-{name}-{label}.png", full_page=True
            )
        await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
