"""Finding and joining a group in a real browser, in each language: a new member signs
up, finds a group in the directory by searching, opens its page, joins it by keyboard,
sees that they are a member, and leaves again; looking for a group elsewhere with a
handle that is not one is answered beside the field.

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.groups.creation import RuleInput
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.node.factories import Node

WORDS = {
    "en": {
        "groups": "Groups",
        "search": "Search groups by name",
        "search_button": "Search",
        "join": "Join this group",
        "leave": "Leave this group",
        "member": "You are a member of this group.",
        "not_member": "You are not a member of this group.",
        "sign_up": "Sign up",
        "username": "Username",
        "password": "Password",
        "create": "Create my account",
        "elsewhere": "Join a group on another node",
        "ref": "The group's handle or address",
        "find": "Find the group",
        "malformed": "Please enter a group's handle",
        "rules": "Our rules",
    },
    "de": {
        "groups": "Gruppen",
        "search": "Gruppen nach Namen suchen",
        "search_button": "Suchen",
        "join": "Dieser Gruppe beitreten",
        "leave": "Diese Gruppe verlassen",
        "member": "Du bist Mitglied dieser Gruppe.",
        "not_member": "Du bist kein Mitglied dieser Gruppe.",
        "sign_up": "Registrieren",
        "username": "Benutzername",
        "password": "Passwort",
        "create": "Mein Konto anlegen",
        "elsewhere": "Einer Gruppe auf einem anderen Knoten beitreten",
        "ref": "Name oder Adresse der Gruppe",
        "find": "Gruppe finden",
        "malformed": "Bitte gib den Namen einer Gruppe ein",
        "rules": "Unsere Regeln",
    },
    "fr": {
        "groups": "Groupes",
        "search": "Chercher des groupes par leur nom",
        "search_button": "Chercher",
        "join": "Rejoindre ce groupe",
        "leave": "Quitter ce groupe",
        "member": "Vous êtes membre de ce groupe.",
        "not_member": "Vous n\u2019êtes pas membre de ce groupe.",
        "sign_up": "S\u2019inscrire",
        "username": "Nom d\u2019utilisateur",
        "password": "Mot de passe",
        "create": "Créer mon compte",
        "elsewhere": "Rejoindre un groupe d\u2019un autre nœud",
        "ref": "Identifiant ou adresse du groupe",
        "find": "Trouver le groupe",
        "malformed": "Veuillez saisir l\u2019identifiant d\u2019un groupe",
        "rules": "Nos règles",
    },
}
BROWSER_LOCALE = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR"}


@pytest.fixture
async def groups_here(
    node_url: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> str:
    """A node with a few groups, one of them with rules and a thread."""
    node = Node(sessions, site, passwords, now)
    owner = await node.member("facilitator")
    await node.group(
        owner,
        "grief-circle",
        display_name="Grief Circle",
        description="For anyone who has lost someone close. We listen; nobody fixes.",
        rules=[
            RuleInput("Be gentle", "Everyone grieves differently."),
            RuleInput("What is shared here stays here"),
        ],
    )
    await node.group(owner, "carers", display_name="Carers Together")
    await node.group(owner, "night-owls", display_name="Night Owls")
    await node.post(
        owner,
        "grief-circle",
        "Tell us about them.",
        title="Who are you missing?",
        content_warning="death",
    )
    return node_url


async def _tab_to(page: Page, name: str, presses: int = 60) -> None:
    """Press Tab until the button called ``name`` has the focus (as a keyboard user would)."""
    button = page.get_by_role("button", name=name)
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await button.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"the button {name!r} cannot be reached with Tab")


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_finding_joining_and_leaving_a_group(
    browser: Browser, groups_here: str, language: str
) -> None:
    words, check = WORDS[language], Checks(f"groups-{language}")
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()

    await page.goto(groups_here + "/signup")
    await page.get_by_label(words["username"]).fill(f"seeker_{language}")
    await page.get_by_label(words["password"]).fill("a long enough password")
    await page.get_by_role("button", name=words["create"]).click()
    await expect(page).not_to_have_url(re.compile(r"/signup$"))

    # The directory lists every group here (and the header leads to it: see below).
    await page.goto(groups_here + "/groups")
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.get_by_role("heading", level=1, name=words["groups"])).to_be_visible()
    await expect(page.get_by_role("link", name="Night Owls")).to_be_visible()
    await check.page(page, "directory")

    search = page.get_by_label(words["search"])
    await search.fill("grief")
    await search.press("Enter")
    await expect(page.get_by_role("link", name="Grief Circle")).to_be_visible()
    await expect(page.get_by_role("link", name="Night Owls")).to_have_count(0)
    await check.page(page, "directory-search")

    await page.get_by_role("link", name="Grief Circle").click()
    await expect(page).to_have_url(re.compile(r"/groups/grief-circle$"))
    await expect(page.get_by_role("heading", level=1, name="Grief Circle")).to_be_visible()
    await expect(page.get_by_role("heading", name=words["rules"])).to_be_visible()
    await expect(page.get_by_text("Be gentle")).to_be_visible()
    await expect(page.get_by_role("link", name="Who are you missing?")).to_be_visible()
    await expect(page.get_by_text(words["not_member"])).to_be_visible()
    await check.page(page, "group")

    # The join button is reached and pressed with the keyboard alone.
    await _tab_to(page, words["join"])
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(words["member"])).to_be_visible()
    await expect(page.get_by_role("button", name=words["leave"])).to_be_visible()
    await check.page(page, "group-member")

    await page.get_by_role("button", name=words["leave"]).click()
    await expect(page.get_by_text(words["not_member"])).to_be_visible()
    await expect(page.get_by_role("button", name=words["join"])).to_be_visible()

    # The header leads back to the directory; from there, looking for a group elsewhere:
    # what went wrong is said beside the field.
    await page.get_by_role("banner").get_by_role("link", name=words["groups"]).click()
    await expect(page).to_have_url(re.compile(r"/groups$"))
    await page.get_by_role("link", name=words["elsewhere"]).click()
    await check.page(page, "find-group")
    field = page.get_by_label(words["ref"])
    await field.fill("not a handle")
    await page.get_by_role("button", name=words["find"]).click()
    await expect(page.get_by_role("alert")).to_contain_text(words["malformed"])
    await expect(page.get_by_label(words["ref"])).to_have_attribute("aria-invalid", "true")
    await check.page(page, "find-group-refused")
    await context.close()
