"""Conversations on the pages, as a browser without JavaScript meets them: asking from a
profile, a request that shows who asks but not their words until opened, accepting,
talking, ending; the header's count; a stranger and a visitor find nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.passwords import Passwords
from node.site import Site
from tests.conftest import Client
from tests.node.factories import Node
from tests.web.test_moderation_pages import post_form, sign_in
from tests.web.test_pages import page

WORDS = "I saw your post about nights. Could we talk?"


@dataclass(frozen=True)
class Friends:
    node: Node


@pytest.fixture
async def friends(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Friends:
    """``ana``, ``ben`` and ``cat`` share the group ``circle``; ``dan`` shares none."""
    node = Node(sessions, site, passwords, now)
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    await node.member("dan")
    await node.group(ana, "circle")
    for member in (ben, cat):
        await node.join(member, "circle")
    return Friends(node)


async def ask_ben(client: Client, text: str = WORDS) -> tuple[int, str, str]:
    await sign_in(client, "ana")
    return await post_form(
        client, "/conversations/new?to=ben", "/conversations/new", {"to": "ben", "text": text}
    )


def conversation_id(location: str) -> str:
    match = re.fullmatch(r"/conversations/([0-9a-f]{32})(#write)?", location)
    assert match, location
    return match.group(1)


async def test_request_accept_talk_and_end(client: Client, friends: Friends) -> None:
    await sign_in(client, "ana")
    _, html = await page(client, "/members/ben")
    assert 'href="/conversations/new?to=ben%40node.test"' in html
    status, location, _ = await ask_ben(client)
    assert status == 303
    talk = f"/conversations/{conversation_id(location)}"
    _, html = await page(client, talk)
    assert "Your request is waiting for ben to answer." in html
    assert WORDS in html
    assert "Your message" not in html  # nothing to write before the answer
    _, html = await page(client, "/conversations/requests")
    assert f'<a href="{talk}">To ben</a>' in html  # hers, waiting for his answer

    await sign_in(client, "ben")
    _, html = await page(client, "/groups")
    assert "Conversations (1 new)" in html
    _, html = await page(client, "/conversations")
    assert 'href="/conversations/requests">Requests (1)' in html
    _, html = await page(client, "/conversations/requests")
    assert "ana would like to talk with you" in html
    assert WORDS not in html  # who asks, not what, until opened
    _, html = await page(client, talk)
    assert WORDS in html
    for button in ("Accept", "Decline", "Decline and block ana"):
        assert f">{button}</button>" in html
    status, location, _ = await post_form(client, talk, f"{talk}/accept", {})
    assert (status, location) == (303, talk)
    _, html = await page(client, "/groups")
    assert "Conversations (1 new)" not in html
    status, location, _ = await post_form(
        client, talk, f"{talk}/messages", {"text": "Of course. <b>Nights</b> are hard."}
    )
    assert (status, location) == (303, f"{talk}#write")
    _, html = await page(client, talk)
    assert "Of course. &lt;b&gt;Nights&lt;/b&gt; are hard." in html  # plain text, escaped
    status, _, html = await post_form(client, talk, f"{talk}/messages", {"text": "x" * 5001})
    assert status == 422
    assert "up to 5,000 characters" in html

    await sign_in(client, "ana")
    _, html = await page(client, "/conversations")
    assert "With ben" in html
    assert "1 new" in html
    _, html = await page(client, f"{talk}/end")
    assert "Ending it is for good" in html
    status, location, _ = await post_form(client, f"{talk}/end", f"{talk}/end", {})
    assert (status, location) == (303, talk)
    _, html = await page(client, talk)
    assert "You ended this conversation." in html

    await sign_in(client, "ben")
    _, html = await page(client, talk)
    assert "This conversation has ended." in html
    assert "Your message" not in html
    status, _, html = await post_form(client, talk, f"{talk}/messages", {"text": "Wait"})
    assert status == 409
    assert "nothing was sent" in html


async def test_a_decline_reads_not_available_and_a_block_keeps_it_so(
    client: Client, friends: Friends
) -> None:
    _, location, _ = await ask_ben(client)
    talk = f"/conversations/{conversation_id(location)}"
    await sign_in(client, "ben")
    status, location, _ = await post_form(client, talk, f"{talk}/decline", {})
    assert (status, location) == (303, "/conversations/requests")
    await sign_in(client, "ana")
    _, html = await page(client, talk)
    assert "ben is not available to talk." in html
    assert "declined" not in html
    # Ana asks again; Ben declines and blocks: the same answer as for a stranger.
    _, location, _ = await ask_ben(client, "Sorry to ask again")
    talk = f"/conversations/{conversation_id(location)}"
    await sign_in(client, "ben")
    await post_form(client, talk, f"{talk}/decline", {"block": "1"})
    status, _, html = await ask_ben(client, "Please?")
    assert status == 403
    assert "This person is not available to talk." in html


async def test_asking_refused_says_only_not_available(client: Client, friends: Friends) -> None:
    await sign_in(client, "dan")  # shares no group with ana
    answers = []
    for to in ("ana", "nobody", "@x@far.example", "circle"):
        status, _, html = await post_form(
            client, "/conversations/new", "/conversations/new", {"to": to, "text": "Hello"}
        )
        answers.append((status, "This person is not available to talk." in html))
    assert set(answers) == {(403, True)}
    status, _, html = await post_form(
        client, "/conversations/new", "/conversations/new", {"to": "ana", "text": ""}
    )
    assert "Please write a few words first." in html
    # Asking twice points at the open request.
    _, location, _ = await ask_ben(client)
    status, _, html = await post_form(
        client, "/conversations/new", "/conversations/new", {"to": "ben", "text": "Again"}
    )
    assert status == 409
    assert f'href="{location}"' in html


async def test_a_stranger_and_a_visitor_find_nothing(client: Client, friends: Friends) -> None:
    _, location, _ = await ask_ben(client)
    talk = f"/conversations/{conversation_id(location)}"
    await sign_in(client, "cat")
    for path in (talk, f"{talk}/end"):
        status, html = await page(client, path)
        assert status == 404, path
        assert WORDS not in html
    status, _, html = await post_form(client, "/conversations", f"{talk}/accept", {})
    assert status == 404
    client.session.cookie_jar.clear()
    response = await client.get(talk, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/signin")


async def test_a_block_since_closes_the_conversation_on_its_page(
    client: Client, friends: Friends
) -> None:
    _, location, _ = await ask_ben(client)
    talk = f"/conversations/{conversation_id(location)}"
    await sign_in(client, "ben")
    await post_form(client, talk, f"{talk}/accept", {})
    # Ana blocks Ben from his profile (node.boundaries): nothing more is written.
    await sign_in(client, "ana")
    status, _, _ = await post_form(
        client, "/members/ben", "/settings/boundaries/block", {"acct": "ben"}
    )
    assert status == 303
    for member in ("ana", "ben"):
        await sign_in(client, member)
        _, html = await page(client, talk)
        assert "Nothing more can be written in this conversation." in html
        assert "Your message" not in html
        status, _, _ = await post_form(client, talk, f"{talk}/messages", {"text": "Hello?"})
        assert status == 409
