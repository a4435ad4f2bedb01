"""Moderating and administering in a real browser, in each language: a group's moderator
removes a reported post and resolves the report; an admin blocks a domain and looks at
the node's health.

Every page passes axe-core with no serious or critical violation, and is
photographed at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.groups import creation, membership
from node.kinds import NodeRole
from node.passwords import Passwords
from node.posts import writing
from node.reports import filing
from node.site import Site
from node.storage.models.actors import Account
from node.views import Viewer
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_first_visit import WORDS as SIGN_IN

PASSWORD = "a long enough password"
WORDS = {
    "en": {
        "queue": "Moderation queue",
        "why_remove": "Why remove it?",
        "remove": "Remove the post",
        "removed": "The post was removed.",
        "note": "Note for the other moderators",
        "resolve": "Resolve",
        "resolved": "The report was resolved.",
        "log": "Moderation log of !circle",
        "removed_entry": "Removed a post",
        "settings": "Node settings",
        "federation": "Federation",
        "health": "Health",
        "domain": "Domain",
        "suspend": "Suspend",
        "public_reason": "Public reason",
        "save_rule": "Save the rule",
        "saved": "The domain rule was saved.",
        "node_log": "The node's moderation log",
        "moderation": "Moderation",
        "admin": "Admin",
    },
    "de": {
        "queue": "Moderationswarteschlange",
        "why_remove": "Warum entfernen?",
        "remove": "Beitrag entfernen",
        "removed": "Der Beitrag wurde entfernt.",
        "note": "Notiz für die anderen Moderierenden",
        "resolve": "Erledigen",
        "resolved": "Die Meldung wurde erledigt.",
        "log": "Moderationsprotokoll von !circle",
        "removed_entry": "Hat einen Beitrag entfernt",
        "settings": "Knoteneinstellungen",
        "federation": "Föderation",
        "health": "Zustand",
        "domain": "Domain",
        "suspend": "Sperren",
        "public_reason": "Öffentlicher Grund",
        "save_rule": "Regel speichern",
        "saved": "Die Domainregel wurde gespeichert.",
        "node_log": "Das Moderationsprotokoll des Knotens",
        "moderation": "Moderation",
        "admin": "Verwaltung",
    },
    "fr": {
        "queue": "File de modération",
        "why_remove": "Pourquoi le retirer ?",
        "remove": "Retirer le message",
        "removed": "Le message a été retiré.",
        "note": "Note pour les autres modérateurs",
        "resolve": "Traiter",
        "resolved": "Le signalement a été traité.",
        "log": "Journal de modération de !circle",
        "removed_entry": "A retiré un message",
        "settings": "Réglages du nœud",
        "federation": "Fédération",
        "health": "État de santé",
        "domain": "Domaine",
        "suspend": "Suspendre",
        "public_reason": "Raison publique",
        "save_rule": "Enregistrer la règle",
        "saved": "La règle de domaine a été enregistrée.",
        "node_log": "Le journal de modération du nœud",
        "moderation": "Modération",
        "admin": "Administration",
    },
}


async def _member(
    session: AsyncSession,
    site: Site,
    passwords: Passwords,
    handle: str,
    language: str,
    now: datetime,
    role: NodeRole = NodeRole.MEMBER,
) -> Viewer:
    account = await accounts.register(
        session,
        site,
        passwords,
        handle=handle,
        password=PASSWORD,
        locale=language,
        role=role,
        now=now,
    )
    actor_id = await session.scalar(select(Account.actor_id).where(Account.id == account.id))
    assert actor_id is not None
    return Viewer(account_id=account.id, actor_id=actor_id, role=role)


async def circle_of_two(
    session: AsyncSession, site: Site, passwords: Passwords, language: str, now: datetime
) -> tuple[Viewer, Viewer]:
    """``ana`` runs the group ``circle``, where ``ben`` is a member, in ``language``."""
    ana = await _member(session, site, passwords, "ana", language, now)
    ben = await _member(session, site, passwords, "ben", language, now)
    await creation.create_group(session, site, ana, handle="circle", now=now)
    await membership.join_group(session, site, ben, "circle", now=now)
    return ana, ben


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> None:
    """An admin, a group's owner, and a post in the group that someone reported."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        await _member(session, site, passwords, "ada", language, now, NodeRole.ADMIN)
        owner = await _member(session, site, passwords, "olga", language, now)
        author = await _member(session, site, passwords, "mia", language, now)
        reporter = await _member(session, site, passwords, "rita", language, now)
        await creation.create_group(
            session, site, owner, handle="circle", display_name="The Circle", now=now
        )
        await membership.join_group(session, site, author, "circle", now=now)
        await membership.join_group(session, site, reporter, "circle", now=now)
        post = await writing.create_post(
            session, site, author, "circle", body="You are all fools.", now=now
        )
        await filing.file_report(
            session, site, reporter, post_id=post.public_id, reason="Unkind words", now=now
        )


async def _sign_in(page: Page, node_url: str, language: str, handle: str) -> None:
    words = SIGN_IN[language]
    await page.goto(node_url + "/signin")
    await page.get_by_label(words["username"]).fill(handle)
    await page.get_by_label(words["password"]).fill(PASSWORD)
    await page.get_by_role("main").get_by_role("button", name=words["sign_in"]).click()
    await expect(page.get_by_text(words["signed_in"].format(handle))).to_be_visible()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_a_moderator_works_a_report_and_an_admin_blocks_a_domain(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"moderation-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    # The group's owner (no node staff) finds the queue in the header, and works it.
    await _sign_in(page, node_url, language, "olga")
    header = page.get_by_role("banner")
    await header.get_by_role("link", name=words["moderation"], exact=True).click()
    await expect(header.get_by_role("link", name=words["admin"], exact=True)).to_have_count(0)
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.get_by_role("heading", level=1, name=words["queue"])).to_be_visible()
    await expect(page.get_by_text("Unkind words")).to_be_visible()
    await check.page(page, "queue")

    await page.get_by_label(words["why_remove"]).fill("Insults")
    await page.get_by_role("button", name=words["remove"]).click()
    await expect(page.get_by_role("status")).to_have_text(words["removed"])
    await check.page(page, "queue-removed")

    await page.get_by_label(words["note"]).fill("Removed the post")
    await page.get_by_role("button", name=words["resolve"], exact=True).click()
    await expect(page.get_by_role("status")).to_have_text(words["resolved"])
    await check.page(page, "queue-resolved")

    await page.goto(node_url + "/groups/circle/modlog")
    await expect(page.get_by_role("heading", level=1, name=words["log"])).to_be_visible()
    await expect(page.get_by_text(words["removed_entry"]).first).to_be_visible()
    await check.page(page, "group-log")
    await context.clear_cookies()

    # The admin blocks a domain.
    await _sign_in(page, node_url, language, "ada")
    banner = page.get_by_role("banner")
    await expect(banner.get_by_role("link", name=words["moderation"])).to_be_visible()
    await banner.get_by_role("link", name=words["admin"], exact=True).click()
    await expect(page.get_by_role("heading", level=1, name=words["settings"])).to_be_visible()
    await check.page(page, "admin")

    await page.get_by_role("link", name=words["federation"], exact=True).click()
    await expect(page.get_by_role("heading", level=1, name=words["federation"])).to_be_visible()
    await check.page(page, "federation")
    await page.get_by_label(words["domain"], exact=True).fill("bad.example")
    await page.get_by_label(words["suspend"], exact=True).check()
    await page.get_by_label(words["public_reason"]).fill("Harassment")
    await page.get_by_role("button", name=words["save_rule"]).click()
    await expect(page.get_by_role("status")).to_have_text(words["saved"])
    await expect(page.get_by_role("rowheader", name="bad.example")).to_be_visible()
    await check.page(page, "federation-blocked")

    await page.get_by_role("link", name=words["health"], exact=True).click()
    await expect(page.get_by_role("heading", level=1, name=words["health"])).to_be_visible()
    await check.page(page, "health")

    await page.goto(node_url + "/admin/log")
    await expect(page.get_by_role("heading", level=1, name=words["node_log"])).to_be_visible()
    await check.page(page, "node-log")
    await context.close()
