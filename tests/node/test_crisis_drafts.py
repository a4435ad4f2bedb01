"""Noticing a draft that sounds like a crisis: the phrase lists (shipped, and the admins'),
matched on whole words in any of them, whatever the case, accents or apostrophes."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.crisis import drafts
from node.crisis.drafts import SHIPPED, looks_like_crisis
from node.errors import InvalidInput, PermissionDenied
from node.kinds import NodeRole
from node.passwords import Passwords
from node.site import Site
from tests.node.factories import Node


@pytest.mark.parametrize(
    "text",
    [
        "Honestly I want to die tonight.",
        "I CAN\u2019T GO ON like this",
        "Ich kann   nicht mehr.",
        "J'ai envie de mourir",
        "je veux mettre fin a mes jours",  # without the accent
        "thinking about self harm again",
    ],
)
def test_a_shipped_phrase_in_any_language_is_noticed(text: str) -> None:
    assert looks_like_crisis(text, SHIPPED)


@pytest.mark.parametrize(
    "text",
    [
        "We talked about suicidology at the conference?",  # not the whole word
        "My mother died last spring and I miss her.",
        "Sundays are hard, but the walk helps.",
        "",
    ],
)
def test_other_words_are_not(text: str) -> None:
    assert not looks_like_crisis(text, SHIPPED)


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def test_admins_edit_and_extend_the_lists(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    member = await node.member("bo")
    with pytest.raises(PermissionDenied):
        await node.run(lambda s: drafts.set_phrases(s, member, "en", ["x"], now=node.now))
    await node.run(lambda s: drafts.set_phrases(s, admin, "en", ["dark place"], now=node.now))
    await node.run(lambda s: drafts.set_phrases(s, admin, "it", ["voglio morire"], now=node.now))
    lists = await node.run(drafts.phrase_lists)
    assert lists["en"] == ("dark place",)
    assert lists["it"] == ("voglio morire",)
    assert lists["de"] == SHIPPED["de"]
    assert await node.run(lambda s: drafts.draft_looks_like_crisis(s, "In a dark place."))
    assert await node.run(lambda s: drafts.draft_looks_like_crisis(s, "Voglio morire"))
    assert not await node.run(lambda s: drafts.draft_looks_like_crisis(s, "I want to die"))
    # Back to what Kinfolk ships.
    await node.run(lambda s: drafts.set_phrases(s, admin, "en", None, now=node.now))
    assert (await node.run(drafts.phrase_lists))["en"] == SHIPPED["en"]
    with pytest.raises(InvalidInput):
        await node.run(lambda s: drafts.set_phrases(s, admin, "english", ["x"], now=node.now))
    with pytest.raises(InvalidInput):
        await node.run(lambda s: drafts.set_phrases(s, admin, "en", ["x" * 101], now=node.now))
