"""Support topics on the wire: one tag per topic, and the free-text warning other
software reads instead.

A post's topics travel as tags of our own type, ``SupportTopic``, each named by a
stable id under ``TOPICS`` and labelled in the post's language (``FEDERATION.md``,
"Support topics"). Mastodon ignores tags of a type it does not know, and Lemmy reads
only its own; both still get the topics in ``summary`` (with ``sensitive``), so a
post never arrives there without its warning. Reading, a topic comes from our tag,
or from a known word in another server's free-text warning (``node.topics.matching``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from federation.protocol.vocab import as_list
from node.topics import Topic, wire_summary
from node.topics.matching import topics_in_title, topics_in_warning

NAMESPACE = "https://w3id.org/kinfolk/ns#"
TOPIC_TYPE = "SupportTopic"
# A topic's stable id: this, then its identifier (``…/topics#suicide``).
TOPICS = "https://w3id.org/kinfolk/topics#"


def topic_tags(topics: Iterable[Topic], language: str) -> list[dict[str, Any]]:
    """The ``tag`` entries of a post on ``topics``."""
    return [
        {"type": TOPIC_TYPE, "id": TOPICS + topic.value, "name": wire_summary([topic], language)}
        for topic in topics
    ]


def summary_of(warning: str, topics: Iterable[Topic], language: str) -> str:
    """The ``summary`` other software shows as the warning: the author's own words, or,
    without them, the topics named."""
    return warning or wire_summary(topics, language)


def topics_from_tags(tags: Any) -> tuple[Topic, ...]:
    """The topics our ``SupportTopic`` tags name (others' tags, and ids we do not know,
    are passed over)."""
    found: set[Topic] = set()
    for tag in as_list(tags):
        if not isinstance(tag, dict) or tag.get("type") not in {TOPIC_TYPE, NAMESPACE + TOPIC_TYPE}:
            continue
        ref = tag.get("id")
        if isinstance(ref, str) and ref.startswith(TOPICS):
            try:
                found.add(Topic(ref.removeprefix(TOPICS)))
            except ValueError:
                continue
    return tuple(topic for topic in Topic if topic in found)


def read_topics(tags: Any, warning: str, title: str | None) -> tuple[tuple[Topic, ...], str]:
    """A post's topics (its tags', and those its free-text warning, or a warning written
    into its title, names) and its warning, which is left empty when it only named the
    tagged topics (as we send it)."""
    tagged = topics_from_tags(tags)
    named = {*topics_in_warning(warning), *topics_in_title(title or "")}
    topics = tuple(topic for topic in Topic if topic in {*tagged, *named})
    if tagged and warning in {wire_summary(tagged, code) for code in ("en", "de", "fr")}:
        warning = ""
    return topics, warning
