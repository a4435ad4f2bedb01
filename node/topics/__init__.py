"""Support topics: a fixed vocabulary of what a post may touch on, so that readers
can choose, topic by topic, to see it, see it behind a warning, or not see it.

A topic's identifier is stable: it is stored on posts, in readers' choices and in
groups' defaults, and travels between nodes (``FEDERATION.md``, "Support topics").
Labels here are the English ones (the pages translate them through gettext,
``web/pages/topic_labels.py``) and the German and French ones said to other software,
which cannot translate them (``wire_summary``); a test keeps the two in step.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from node.errors import InvalidInput


class Topic(enum.StrEnum):
    SELF_HARM = "self-harm"
    SUICIDE = "suicide"
    EATING_DISORDERS = "eating-disorders"
    ABUSE = "abuse"
    SEXUAL_VIOLENCE = "sexual-violence"
    SUBSTANCE_USE = "substance-use"
    GRIEF_AND_LOSS = "grief-and-loss"
    PREGNANCY_AND_INFANT_LOSS = "pregnancy-and-infant-loss"
    MEDICAL_DETAIL = "medical-detail"
    VIOLENCE = "violence"


class TopicChoice(enum.StrEnum):
    """What a reader chose for a topic, from the gentlest to the strictest."""

    SHOW = "show"
    COLLAPSE = "collapse"
    HIDE = "hide"


# Everyone starts here, and visitors who are not signed in stay here: a post on a
# support topic is behind its warning until the reader opens it.
DEFAULT_CHOICE = TopicChoice.COLLAPSE
_STRICTNESS = {TopicChoice.SHOW: 0, TopicChoice.COLLAPSE: 1, TopicChoice.HIDE: 2}

LABELS: dict[str, dict[Topic, str]] = {
    "en": {
        Topic.SELF_HARM: "Self-harm",
        Topic.SUICIDE: "Suicide",
        Topic.EATING_DISORDERS: "Eating disorders",
        Topic.ABUSE: "Abuse",
        Topic.SEXUAL_VIOLENCE: "Sexual violence",
        Topic.SUBSTANCE_USE: "Substance use",
        Topic.GRIEF_AND_LOSS: "Grief and loss",
        Topic.PREGNANCY_AND_INFANT_LOSS: "Pregnancy and infant loss",
        Topic.MEDICAL_DETAIL: "Medical detail",
        Topic.VIOLENCE: "Violence",
    },
    "de": {
        Topic.SELF_HARM: "Selbstverletzung",
        Topic.SUICIDE: "Suizid",
        Topic.EATING_DISORDERS: "Essstörungen",
        Topic.ABUSE: "Missbrauch",
        Topic.SEXUAL_VIOLENCE: "Sexualisierte Gewalt",
        Topic.SUBSTANCE_USE: "Substanzkonsum",
        Topic.GRIEF_AND_LOSS: "Trauer und Verlust",
        Topic.PREGNANCY_AND_INFANT_LOSS: "Fehlgeburt und Verlust eines Kindes",
        Topic.MEDICAL_DETAIL: "Medizinische Details",
        Topic.VIOLENCE: "Gewalt",
    },
    "fr": {
        Topic.SELF_HARM: "Automutilation",
        Topic.SUICIDE: "Suicide",
        Topic.EATING_DISORDERS: "Troubles alimentaires",
        Topic.ABUSE: "Maltraitance",
        Topic.SEXUAL_VIOLENCE: "Violences sexuelles",
        Topic.SUBSTANCE_USE: "Consommation de substances",
        Topic.GRIEF_AND_LOSS: "Deuil et perte",
        Topic.PREGNANCY_AND_INFANT_LOSS: "Deuil périnatal",
        Topic.MEDICAL_DETAIL: "Détails médicaux",
        Topic.VIOLENCE: "Violence",
    },
}
TOPICS_MAX = len(Topic)


def parse_topics(values: Iterable[str], field: str = "topics") -> tuple[Topic, ...]:
    """Topics as a member names them, in the vocabulary's order; an unknown one is refused."""
    chosen: set[Topic] = set()
    for value in values:
        try:
            chosen.add(Topic(value.strip()))
        except ValueError:
            known = ", ".join(topic.value for topic in Topic)
            raise InvalidInput(f"unknown topic {value[:40]!r}; use {known}", field=field) from None
    return tuple(topic for topic in Topic if topic in chosen)


def stored(topics: Iterable[Topic]) -> str:
    """Topics as a column keeps them: identifiers, space-separated, in order."""
    given = set(topics)
    return " ".join(topic.value for topic in Topic if topic in given)


def from_stored(text: str | None) -> tuple[Topic, ...]:
    """The topics a column holds; anything no longer in the vocabulary is passed over."""
    names = set((text or "").split())
    return tuple(topic for topic in Topic if topic.value in names)


def strictest(topics: Iterable[Topic], choices: dict[Topic, TopicChoice]) -> TopicChoice:
    """What a reader sees of a post on ``topics``: the strictest of their choices for them
    (a post with no topic is simply shown)."""
    found = [choices.get(topic, DEFAULT_CHOICE) for topic in topics]
    return max(found, key=_STRICTNESS.__getitem__, default=TopicChoice.SHOW)


def wire_summary(topics: Iterable[Topic], language: str) -> str:
    """A content warning naming ``topics`` in ``language`` (else English), for software that
    knows only free-text warnings."""
    labels = LABELS.get(language.split("-")[0].lower(), LABELS["en"])
    return ", ".join(labels[topic] for topic in topics)
