"""A meeting in a real browser, in each language: a group's moderator schedules a weekly
online meeting from the group's page through the form (a facilitator confirms who
comes), a member says they are going and waits for that, the moderator accepts them,
and the member then sees the link; the meeting is in their "my meetings".

Every page passes axe-core with no serious or critical violation, and is photographed
at phone and desktop widths.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks, new_context
from tests.browser.test_first_visit import BROWSER_LOCALE
from tests.browser.test_moderation_pages import _sign_in, circle_of_two

LINK = "https://meet.example/circle-room"
WORDS = {
    "en": {
        "coming_up": "Coming up",
        "schedule": "Schedule a meeting",
        "title": "Title",
        "date": "Date of the first meeting",
        "time": "Starts at",
        "zone": "Time zone",
        "often": "How often",
        "link": "Online link",
        "joining": "Joining",
        "save": "Save the meeting",
        "scheduled": "The meeting is scheduled.",
        "going": "Going",
        "pending": "Waiting for a facilitator to confirm.",
        "hidden": "The link is shared with those who are coming.",
        "accept": "Accept",
        "accepted": "They are accepted and have been told.",
        "you_go": "You are going.",
        "meetings": "Meetings",
    },
    "de": {
        "coming_up": "Demnächst",
        "schedule": "Ein Treffen planen",
        "title": "Titel",
        "date": "Datum des ersten Treffens",
        "time": "Beginnt um",
        "zone": "Zeitzone",
        "often": "Wie oft",
        "link": "Online-Link",
        "joining": "Teilnahme",
        "save": "Das Treffen speichern",
        "scheduled": "Das Treffen ist geplant.",
        "going": "Ich komme",
        "pending": "Wartet auf die Bestätigung einer Begleitung.",
        "hidden": "Der Link wird mit denen geteilt, die kommen.",
        "accept": "Annehmen",
        "accepted": "Die Person ist angenommen und hat Bescheid bekommen.",
        "you_go": "Du kommst.",
        "meetings": "Treffen",
    },
    "fr": {
        "coming_up": "À venir",
        "schedule": "Planifier une rencontre",
        "title": "Titre",
        "date": "Date de la première rencontre",
        "time": "Commence à",
        "zone": "Fuseau horaire",
        "often": "À quelle fréquence",
        "link": "Lien en ligne",
        "joining": "Inscription",
        "save": "Enregistrer la rencontre",
        "scheduled": "La rencontre est planifiée.",
        "going": "Je viens",
        "pending": "En attente de la confirmation d\u2019un·e animateur·rice.",
        "hidden": "Le lien est partagé avec les personnes qui viennent.",
        "accept": "Accepter",
        "accepted": "La personne est acceptée et a été prévenue.",
        "you_go": "Vous venez.",
        "meetings": "Rencontres",
    },
}


async def _seed(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, language: str
) -> None:
    """``ana`` runs the group ``circle``, where ``ben`` is a member, in ``language``."""
    now = datetime.now().astimezone()
    async with sessions.begin() as session:
        await circle_of_two(session, site, passwords, language, now)


async def _signed_in(browser: Browser, node_url: str, language: str, handle: str) -> Page:
    context = await new_context(browser, locale=BROWSER_LOCALE[language])
    page = await context.new_page()
    await _sign_in(page, node_url, language, handle)
    return page


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_schedule_answer_and_see_the_link_after_acceptance(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
) -> None:
    await _seed(sessions, site, passwords, language)
    words, check = WORDS[language], Checks(f"meetings-{language}")
    first = (datetime.now() + timedelta(days=10)).date().isoformat()

    ana = await _signed_in(browser, node_url, language, "ana")
    await ana.goto(node_url + "/groups/circle")
    await expect(ana.get_by_role("heading", name=words["coming_up"])).to_be_visible()
    await ana.get_by_role("link", name=words["schedule"]).click()
    await check.page(ana, "form")
    await ana.get_by_label(words["title"], exact=True).fill("Thursday circle")
    await ana.get_by_label(words["date"]).fill(first)
    await ana.get_by_label(words["time"]).fill("19:00")
    await ana.get_by_label(words["zone"]).fill("Europe/Berlin")
    await ana.get_by_label(words["often"], exact=True).select_option("weekly")
    await ana.get_by_label(words["link"]).fill(LINK)
    await ana.get_by_label(words["joining"], exact=True).select_option("approval")
    await ana.get_by_role("button", name=words["save"]).click()
    await expect(ana.get_by_text(words["scheduled"])).to_be_visible()
    await check.page(ana, "meeting-manager")
    meeting_url = ana.url.split("?")[0]

    ben = await _signed_in(browser, node_url, language, "ben")
    await ben.goto(node_url + "/groups/circle")
    await check.page(ben, "group")
    await ben.get_by_role("link", name="Thursday circle").first.click()
    await expect(ben.get_by_text(words["hidden"])).to_be_visible()
    await ben.get_by_role("button", name=words["going"], exact=True).click()
    await expect(ben.get_by_text(words["pending"])).to_be_visible()
    await expect(ben.get_by_text(LINK)).to_have_count(0)
    await check.page(ben, "pending")

    await ana.goto(meeting_url)
    await ana.get_by_role("button", name=words["accept"]).click()
    await expect(ana.get_by_text(words["accepted"])).to_be_visible()

    await ben.reload()
    await expect(ben.get_by_text(words["you_go"]).first).to_be_visible()
    await expect(ben.get_by_text(LINK)).to_be_visible()
    await check.page(ben, "going")
    await ben.get_by_role("link", name=words["meetings"], exact=True).click()
    await expect(ben.get_by_role("link", name="Thursday circle")).to_be_visible()
    await check.page(ben, "mine")
    await ana.context.close()
    await ben.context.close()
