"""Support topics: what an author marks, what a group gives by default, and what each
reader chose to see (show, collapse behind the warning, hide)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import group_settings
from node.errors import InvalidInput, PermissionDenied
from node.passwords import Passwords
from node.posts import reading, writing
from node.site import Site
from node.topics import Topic, TopicChoice, filters, parse_topics, wire_summary
from node.topics.matching import topics_in_warning
from node.views import PostView, Viewer
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def circle(node: Node) -> tuple[Viewer, Viewer, Viewer]:
    """``ana`` owns ``circle``; ``ben`` and ``cem`` have joined it."""
    ana, ben, cem = await node.member("ana"), await node.member("ben"), await node.member("cem")
    await node.group(ana, "circle")
    await node.join(ben, "circle")
    await node.join(cem, "circle")
    return ana, ben, cem


async def choose(node: Node, viewer: Viewer, **choices: str) -> None:
    given = {topic.replace("_", "-"): choice for topic, choice in choices.items()}
    await node.run(lambda s: filters.set_choices(s, viewer, given))


async def threads(node: Node, viewer: Viewer | None) -> list[PostView]:
    page = await node.run(lambda s: reading.list_threads(s, node.site, viewer, "circle"))
    return list(page.items)


def test_topics_are_named_by_stable_identifiers_in_their_order() -> None:
    assert parse_topics(["suicide", " self-harm "]) == (Topic.SELF_HARM, Topic.SUICIDE)
    with pytest.raises(InvalidInput):
        parse_topics(["sadness"])
    assert wire_summary((Topic.SELF_HARM, Topic.SUICIDE), "de") == "Selbstverletzung, Suizid"
    assert wire_summary((Topic.SUICIDE,), "pt-BR") == "Suicide"


@pytest.mark.parametrize(
    ("warning", "expected"),
    [
        ("suicide", {Topic.SUICIDE}),
        ("CW: suicidal thoughts", {Topic.SUICIDE}),
        ("Suizidgedanken", {Topic.SUICIDE}),
        ("TW: idées suicidaires", {Topic.SUICIDE}),
        ("self harm mention", {Topic.SELF_HARM}),
        ("TW: SH, ED", {Topic.SELF_HARM, Topic.EATING_DISORDERS}),
        ("SV", {Topic.SELF_HARM}),
        ("Essstörung, Trauer", {Topic.EATING_DISORDERS, Topic.GRIEF_AND_LOSS}),
        ("fausse couche", {Topic.PREGNANCY_AND_INFANT_LOSS}),
        ("violences sexuelles", {Topic.SEXUAL_VIOLENCE, Topic.VIOLENCE}),
        ("alcohol, relapse", {Topic.SUBSTANCE_USE}),
        # Abbreviations count in capitals only, and words whole only.
        ("she said she fed the cat", set()),
        ("ed sheeran lyrics", set()),
        ("Sensitive content", set()),
    ],
)
def test_free_text_warnings_in_en_de_fr_name_topics(warning: str, expected: set[Topic]) -> None:
    assert set(topics_in_warning(warning)) == expected


async def test_a_post_carries_the_topics_its_author_chose_or_its_groups_defaults(
    node: Node,
) -> None:
    ana, ben, _ = await circle(node)
    await node.run(
        lambda s: group_settings.set_default_topics(s, node.site, ana, "circle", ["grief-and-loss"])
    )
    chosen = await node.post(ben, "circle", "Hard night.", topics=["suicide", "self-harm"])
    default = await node.post(ben, "circle", "Missing her.")
    none = await node.post(ben, "circle", "A good day.", topics=[])
    assert chosen.topics == (Topic.SELF_HARM, Topic.SUICIDE)
    assert default.topics == (Topic.GRIEF_AND_LOSS,)
    assert none.topics == ()
    reply = await node.run(
        lambda s: writing.reply(
            s, node.site, ana, chosen.public_id, body="I'm here.", topics=["suicide"], now=node.now
        )
    )
    assert reply.topics == (Topic.SUICIDE,)
    edited = await node.run(
        lambda s: writing.edit_post(s, ben, chosen.public_id, topics=["self-harm"], now=node.now)
    )
    assert edited.topics == (Topic.SELF_HARM,)
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: group_settings.set_default_topics(s, node.site, ben, "circle", ["abuse"])
        )


async def test_readers_see_topics_collapsed_by_default_shown_or_hidden_as_they_chose(
    node: Node,
) -> None:
    _, ben, cem = await circle(node)
    hard = await node.post(ben, "circle", "I can't go on.", topics=["suicide"])
    await node.post(ben, "circle", "Tea helped.")
    visitor_sees = {v.public_id: v.filtered for v in await threads(node, None)}
    assert visitor_sees[hard.public_id] is TopicChoice.COLLAPSE

    await choose(node, cem, suicide="hide", grief_and_loss="show")
    listed = {v.public_id: v for v in await threads(node, cem)}
    hidden = listed[hard.public_id]
    assert hidden.filtered is TopicChoice.HIDE
    assert hidden.content_html == ""
    assert hidden.topics == (Topic.SUICIDE,)
    assert sum(v.filtered is TopicChoice.HIDE for v in listed.values()) == 1
    # Opened on purpose: whole again, still behind its warning.
    opened = await node.run(lambda s: reading.get_post(s, cem, hard.public_id, reveal=True))
    assert opened.filtered is TopicChoice.COLLAPSE
    assert "go on" in opened.content_html
    shut = await node.run(lambda s: reading.get_post(s, cem, hard.public_id))
    assert shut.filtered is TopicChoice.HIDE
    assert shut.content_html == ""
    # Its author is never kept from their own words.
    own = await node.run(lambda s: reading.get_post(s, ben, hard.public_id))
    assert own.content_html

    await choose(node, cem, suicide="show")
    assert {v.public_id: v.filtered for v in await threads(node, cem)}[hard.public_id] is (
        TopicChoice.SHOW
    )
    choices = await node.run(lambda s: filters.choices_of(s, cem))
    assert choices[Topic.GRIEF_AND_LOSS] is TopicChoice.SHOW
    assert choices[Topic.ABUSE] is TopicChoice.COLLAPSE
    with pytest.raises(InvalidInput):
        await choose(node, cem, suicide="maybe")


async def test_the_strictest_choice_among_a_posts_topics_wins(node: Node) -> None:
    _, ben, cem = await circle(node)
    both = await node.post(ben, "circle", "Both.", topics=["suicide", "grief-and-loss"])
    await choose(node, cem, suicide="show", grief_and_loss="hide")
    [seen] = [v for v in await threads(node, cem) if v.public_id == both.public_id]
    assert seen.filtered is TopicChoice.HIDE
