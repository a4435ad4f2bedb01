"""Acting on posts from a thread in a real browser, in each language, without any
script of ours: the author edits a reply, then deletes it after a confirmation page; a
member sends support from the keyboard; the group's moderator locks the thread.

Every new page passes axe-core with no serious or critical violation, and is
photographed at phone and desktop widths.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.groups.creation import RuleInput
from node.passwords import Passwords
from node.site import Site
from tests.browser.conftest import Checks
from tests.browser.test_threads import signed_in
from tests.node.factories import Node

WORDS = {
    "en": {
        "edit": "Edit",
        "reply": "Your reply",
        "save": "Save changes",
        "saved": "Your changes were saved.",
        "delete": "Delete",
        "confirm": "Delete this post?",
        "yes": "Yes, delete it",
        "deleted": "This post was deleted.",
        "support": "Support",
        "supported": "You support this",
        "moderation": "Moderation",
        "lock": "Lock thread",
        "unlock": "Unlock thread",
        "locked": "This thread is locked: it takes no new replies.",
    },
    "de": {
        "edit": "Bearbeiten",
        "reply": "Deine Antwort",
        "save": "Änderungen speichern",
        "saved": "Deine Änderungen wurden gespeichert.",
        "delete": "Löschen",
        "confirm": "Diesen Beitrag löschen?",
        "yes": "Ja, löschen",
        "deleted": "Dieser Beitrag wurde gelöscht.",
        "support": "Zuspruch geben",
        "supported": "Du hast Zuspruch gegeben",
        "moderation": "Moderation",
        "lock": "Thread sperren",
        "unlock": "Thread entsperren",
        "locked": "Dieser Thread ist gesperrt: Er nimmt keine neuen Antworten mehr an.",
    },
    "fr": {
        "edit": "Modifier",
        "reply": "Votre réponse",
        "save": "Enregistrer les modifications",
        "saved": "Vos modifications ont été enregistrées.",
        "delete": "Supprimer",
        "confirm": "Supprimer cette publication ?",
        "yes": "Oui, la supprimer",
        "deleted": "Cette publication a été supprimée.",
        "support": "Soutenir",
        "supported": "Vous avez apporté votre soutien",
        "moderation": "Modération",
        "lock": "Verrouiller la discussion",
        "unlock": "Déverrouiller la discussion",
        "locked": "Cette discussion est verrouillée : elle n\u2019accepte plus de nouvelles "
        "réponses.",
    },
}


@pytest.mark.parametrize("language", ["en", "de", "fr"])
async def test_edit_delete_support_and_lock_from_the_thread(
    browser: Browser,
    node_url: str,
    language: str,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    passwords: Passwords,
    now: datetime,
) -> None:
    words, check = WORDS[language], Checks(f"post-actions-{language}")
    node = Node(sessions, site, passwords, now)
    keeper = await node.member("keeper")
    await node.group(keeper, "circle", display_name="Circle", rules=[RuleInput("Be gentle")])
    members = {"keeper": keeper}
    for handle in ("writer", "reader"):
        members[handle] = await node.member(handle)
        await node.join(members[handle], "circle")
    for member in members.values():
        async with sessions.begin() as session:
            await accounts.update_account(session, member, locale=language, now=now)
    start = await node.post(members["reader"], "circle", "A rough day.", title="Rough day")
    answer = await node.reply(members["writer"], start.public_id, "Hang in there, techno.")
    thread = f"/posts/{start.public_id}"

    # The writer edits their reply, then deletes it after saying yes.
    writer, page = await signed_in(browser, node_url, language, "writer", thread)
    reply = page.locator(f"#post-{answer.public_id}")
    await reply.get_by_role("link", name=re.compile("^" + words["edit"])).click()
    await expect(page).to_have_url(re.compile(rf"/posts/{answer.public_id}/edit$"))
    body = page.get_by_label(words["reply"], exact=True)
    await expect(body).to_have_value("Hang in there, techno.")
    await check.page(page, "edit")
    await body.fill("Hang in there. We are here.")
    await page.get_by_role("button", name=words["save"]).click()
    await expect(page.get_by_role("status")).to_have_text(words["saved"])
    await expect(reply.get_by_text("Hang in there. We are here.")).to_be_visible()
    await check.page(page, "thread-edited")
    await reply.get_by_role("link", name=re.compile("^" + words["delete"])).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(words["confirm"])
    await check.page(page, "delete")
    await page.get_by_role("button", name=words["yes"]).click()
    await expect(reply.get_by_text(words["deleted"])).to_be_visible()
    await expect(page.get_by_text("Hang in there. We are here.")).to_have_count(0)

    # The starter cannot support their own post; the writer supports it from the keyboard.
    toggle = page.locator(f"#post-{start.public_id}").get_by_role(
        "button", name=re.compile("^" + words["support"])
    )
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.focus()
    await expect(toggle).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_text(words["supported"], exact=True)).to_be_visible()
    await check.page(page, "thread-supported")
    await writer.close()

    # The group's moderator locks the thread from its first post's tools.
    keeper_context, page = await signed_in(browser, node_url, language, "keeper", thread)
    first = page.locator(f"#post-{start.public_id}")
    tools = first.locator("details.mod-tools > summary")
    await expect(tools).to_contain_text(words["moderation"])
    await tools.focus()
    await page.keyboard.press("Enter")
    await page.locator(f"#lock-{start.public_id}").fill("Things got heated.")
    await check.page(page, "moderator-tools")
    await first.get_by_role("button", name=words["lock"]).click()
    await expect(page.locator("p.notice.locked")).to_have_text(words["locked"])
    await first.locator("details.mod-tools > summary").click()
    await expect(first.get_by_role("button", name=words["unlock"])).to_be_visible()
    await check.page(page, "thread-locked")
    await keeper_context.close()
