"""A draft that sounds like a crisis: the form comes back with the member's words, the
resources beside them and one kind sentence; "Post it" posts them as written, "Not now"
keeps them unposted. Nothing is blocked, reported, logged, stored or sent."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.kinds import NodeRole
from node.storage.models.events import Event
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from tests.api_client import Api
from tests.conftest import Client
from tests.web.test_crisis_pages import World, world  # noqa: F401 (the fixture)
from tests.web.test_moderation_pages import post_form, sign_in
from tests.web.test_pages import page
from tests.web.test_reports_api import make_role

DRAFT = "I can't go on. Tonight I want to die, quietly, zebra-4711."
KIND = "It sounds like things may be very hard right now"


def _logged(
    records: list[logging.LogRecord], *words: str, level: int = logging.NOTSET
) -> list[str]:
    """The log lines (at ``level`` or above) that hold any of ``words``."""
    return [
        f"{record.name}: {record.getMessage()[:80]}"
        for record in records
        if record.levelno >= level and any(word in record.getMessage() for word in words)
    ]


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions.begin() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_crisis_like_thread_is_offered_help_and_posts_as_written(
    client: Client,
    world: World,  # noqa: F811
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await sign_in(client, "mia")
    form = {"title": "Tonight", "body": DRAFT, "content_warning": "", "language": "en"}
    posts, events = await _count(sessions, Post), await _count(sessions, Event)
    status, _, html = await post_form(
        client, "/groups/circle/compose", "/groups/circle/compose", form
    )
    assert status == 200
    assert KIND in html
    assert '<a href="tel:116123">116 123</a>' in html  # the resources beside the form
    assert 'name="crisis" value="post"' in html
    assert 'name="crisis" value="later"' in html
    assert "zebra-4711" in html  # the words are kept, as written
    assert "Tonight" in html
    assert (await _count(sessions, Post), await _count(sessions, Event)) == (posts, events)

    # "Not now": the words stay in the form, nothing is posted, and no more asking.
    status, _, html = await post_form(
        client, "/groups/circle/compose", "/groups/circle/compose", {**form, "crisis": "later"}
    )
    assert status == 200
    assert KIND not in html
    assert "zebra-4711" in html
    assert '<input type="hidden" name="crisis" value="seen">' in html
    assert await _count(sessions, Post) == posts

    # Up to here, not a log line of any level, from any logger, holds the words (SQL
    # debugging included: nothing was written).
    assert _logged(caplog.records, "zebra-4711", "want to die") == []
    before = len(caplog.records)
    # "Post it": posted exactly as written; nothing reported.
    status, location, _ = await post_form(
        client, "/groups/circle/compose", "/groups/circle/compose", {**form, "crisis": "post"}
    )
    assert status == 303
    _, html = await page(client, location)
    assert "zebra-4711" in html
    assert await _count(sessions, Post) == posts + 1
    assert await _count(sessions, Report) == 0
    # Once posted, it is stored as any post is (the database driver's SQL debugging shows
    # that write); the node's own log lines never hold it.
    assert _logged(caplog.records[before:], "zebra-4711", level=logging.INFO) == []


async def test_a_crisis_like_reply_is_offered_help_beside_its_form(
    client: Client,
    world: World,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    thread = await world.node.post(world.member, "circle", "How was your week?")
    await sign_in(client, "mia")
    path = f"/posts/{thread.public_id}"
    status, _, html = await post_form(
        client, path, f"{path}/reply", {"body": DRAFT, "content_warning": ""}
    )
    assert status == 200
    assert KIND in html
    assert f'id="crisis-prompt-{thread.public_id}"' in html
    assert "zebra-4711" in html
    assert _logged(caplog.records, "zebra-4711") == []
    status, location, _ = await post_form(
        client, path, f"{path}/reply", {"body": DRAFT, "content_warning": "", "crisis": "post"}
    )
    assert status == 303
    _, html = await page(client, location)
    assert "zebra-4711" in html
    # Everyday words go straight through.
    status, _, _ = await post_form(
        client, path, f"{path}/reply", {"body": "A long walk helps.", "content_warning": ""}
    )
    assert status == 303
    assert _logged(caplog.records, "zebra-4711", level=logging.INFO) == []


async def test_the_api_posts_as_written_and_says_it_sounded_like_a_crisis(
    api: Api,
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    ana, ben = await api.register("ana"), await api.register("ben")
    await api.create_group(ana, "circle")
    await api.join(ben, "circle")
    made = await api.post(ben, "circle", DRAFT, title="Tonight")
    assert made["crisis_prompt"] is True
    assert "zebra-4711" in made["content_html"]
    reply = await api.reply(ana, made["id"], "We are here with you.")
    assert reply["crisis_prompt"] is False
    assert await _count(sessions, Report) == 0
    assert _logged(caplog.records, "zebra-4711") == []


async def test_admins_edit_the_phrases_on_the_page_and_in_the_api(
    client: Client,
    world: World,  # noqa: F811
    api: Api,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await sign_in(client, "ada")
    status, html = await page(client, "/admin/crisis")
    assert 'id="phrases-de"' in html
    assert "mich umbringen" in html
    status, location, _ = await post_form(
        client,
        "/admin/crisis",
        "/admin/crisis/phrases",
        {"language": "it", "phrases": "voglio morire\nnon ce la faccio più"},
    )
    assert (status, location) == (303, "/admin/crisis?done=phrases_saved")
    status, _, html = await post_form(
        client, "/admin/crisis", "/admin/crisis/phrases", {"language": "Italian", "phrases": "x"}
    )
    assert status == 422
    assert 'id="phrases-new-language"' in html
    await sign_in(client, "mia")
    status, _, html = await post_form(
        client,
        "/groups/circle/compose",
        "/groups/circle/compose",
        {"title": "Oggi", "body": "Non ce la faccio più.", "language": "en"},
    )
    assert status == 200
    assert KIND in html
    # The same through the API, for admins only.
    ada = await api.register("adele")
    await make_role(sessions, ada, NodeRole.ADMIN)
    (await api.call("GET", "/api/v1/node/crisis-phrases", as_=await api.register("x"))).expect(403)
    lists = (await api.call("GET", "/api/v1/node/crisis-phrases", as_=ada)).expect(200)["lists"]
    assert lists["it"] == ["voglio morire", "non ce la faccio più"]
    answer = await api.call(
        "PUT", "/api/v1/node/crisis-phrases/it", as_=ada, json={"phrases": None}
    )
    assert "it" not in answer.expect(200)["lists"]
