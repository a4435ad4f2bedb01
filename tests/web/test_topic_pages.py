"""Support topics on the pages: ticking them when writing, a group's defaults, and a
reader's filters on the group page and the thread (collapsed, shown, hidden and opened
on purpose), in the reader's language."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from babel.messages.pofile import read_po
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.passwords import Passwords
from node.posts import writing
from node.site import Site
from node.topics import LABELS, Topic, filters
from node.views import Viewer
from tests.conftest import Client
from tests.node.factories import Node
from tests.web.test_pages import page, submit
from tests.web.test_thread_pages import send, sign_in
from web.pages.i18n import LOCALES_DIR
from web.pages.topic_labels import LABELS as PAGE_LABELS


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node) -> tuple[Viewer, Viewer, Viewer]:
    owner = await node.member("owner")
    await node.group(owner, "circle", display_name="The Circle")
    ana, bo = await node.member("ana"), await node.member("bo")
    await node.join(ana, "circle")
    await node.join(bo, "circle")
    return owner, ana, bo


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_pages_labels_are_the_labels_other_software_is_sent(language: str) -> None:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalogue = read_po(source, locale=language)
    for topic in Topic:
        assert PAGE_LABELS[topic] == LABELS["en"][topic]
        assert catalogue[PAGE_LABELS[topic]].string == LABELS[language][topic]


async def test_a_member_ticks_topics_and_a_group_gives_its_defaults(
    client: Client, node: Node
) -> None:
    await circle(node)
    await sign_in(client, "owner")
    status, _ = await submit(client, "/groups/circle/topics", {"topic-grief-and-loss": "on"})
    assert status == 303
    _, form = await page(client, "/groups/circle/compose")
    assert re.search(r'name="topic-grief-and-loss" value="on" checked', form)
    assert not re.search(r'name="topic-suicide" value="on" checked', form)

    await sign_in(client, "ana")
    status, _ = await submit(client, "/groups/circle/topics", {"topic-abuse": "on"})
    assert status == 403
    status, _ = await send(
        client,
        "/groups/circle/compose",
        "/groups/circle/compose",
        {
            "title": "Tonight",
            "body": "I want it to stop.",
            "content_warning": "",
            "language": "en",
            "topic-suicide": "on",
        },
    )
    assert status == 303
    _, group = await page(client, "/groups/circle")
    assert '<li class="tag topic">Suicide</li>' in group


async def test_a_readers_filters_collapse_show_or_hide_and_a_hidden_post_opens(
    client: Client, node: Node
) -> None:
    _, ana, bo = await circle(node)
    start = await node.post(ana, "circle", "It has been a year.", title="A year")
    hard = await node.reply(ana, start.public_id, "I thought about ending it.")
    await node.run(
        lambda s: writing.edit_post(s, ana, hard.public_id, topics=["suicide"], now=node.now)
    )
    thread = f"/posts/{start.public_id}"
    # A visitor, and any member by default: behind a warning that names the topic.
    _, html = await page(client, thread)
    assert re.search(r'<details class="content-warning">\s*<summary>Content warning: Suicide', html)

    await node.run(lambda s: accounts.update_account(s, bo, locale="de", now=node.now))
    await sign_in(client, "bo")
    status, _ = await submit(client, "/settings/topics", {"topic-suicide": "hide"})
    assert status == 303
    choices = await node.run(lambda s: filters.choices_of(s, bo))
    assert choices[Topic.SUICIDE].value == "hide"
    _, html = await page(client, thread)
    assert "ending it" not in html
    assert "Durch deine Filter ausgeblendet: Suizid" in html
    assert "1 Beitrag in diesem Thread ist durch deine Filter ausgeblendet." in html
    # Opened on purpose: there, still behind its warning.
    _, opened = await page(client, f"{thread}?reveal={hard.public_id}")
    assert "ending it" in opened
    assert re.search(r'<details class="content-warning">\s*<summary>Inhaltswarnung: Suizid', opened)

    status, _ = await submit(client, "/settings/topics", {"topic-suicide": "show"})
    _, html = await page(client, thread)
    assert "ending it" in html
    assert "Inhaltswarnung: Suizid" not in html  # shown as they chose, with no warning


async def test_a_hidden_thread_is_counted_on_its_groups_page(client: Client, node: Node) -> None:
    _, ana, bo = await circle(node)
    hard = await node.post(ana, "circle", "Body.", title="Pills", topics=["suicide"])
    await node.post(ana, "circle", "Tea.", title="Tea helped")
    await node.run(lambda s: filters.set_choices(s, bo, {"suicide": "hide"}))
    await sign_in(client, "bo")
    _, html = await page(client, "/groups/circle")
    assert "Pills" not in html
    assert "Tea helped" in html
    assert "1 thread on this page is hidden by your filters." in html
    assert f"/posts/{hard.public_id}?reveal={hard.public_id}" in html
    _, opened = await page(client, f"/posts/{hard.public_id}?reveal={hard.public_id}")
    assert "Pills" in opened
