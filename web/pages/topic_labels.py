"""Support topics as the pages name them, in the visitor's language, and as forms send
them (one checkbox per topic, ``topic-<id>``).

The English labels are marked here for ``make messages``; the German and French ones
live in the catalogues, where ``tests/web/test_topic_pages.py`` checks them against
the labels other software is sent (``node.topics.LABELS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from node.topics import Topic, TopicChoice


def _(message: str) -> str:
    """Marks a label for extraction; it is translated where it is shown."""
    return message


LABELS: dict[Topic, str] = {
    Topic.SELF_HARM: _("Self-harm"),
    Topic.SUICIDE: _("Suicide"),
    Topic.EATING_DISORDERS: _("Eating disorders"),
    Topic.ABUSE: _("Abuse"),
    Topic.SEXUAL_VIOLENCE: _("Sexual violence"),
    Topic.SUBSTANCE_USE: _("Substance use"),
    Topic.GRIEF_AND_LOSS: _("Grief and loss"),
    Topic.PREGNANCY_AND_INFANT_LOSS: _("Pregnancy and infant loss"),
    Topic.MEDICAL_DETAIL: _("Medical detail"),
    Topic.VIOLENCE: _("Violence"),
}
CHOICES: dict[TopicChoice, str] = {
    TopicChoice.SHOW: _("Show"),
    TopicChoice.COLLAPSE: _("Behind a warning"),
    TopicChoice.HIDE: _("Hide"),
}
FIELDS: tuple[str, ...] = tuple(f"topic-{topic.value}" for topic in Topic)


@dataclass(frozen=True)
class TopicOption:
    """One checkbox of a form: the topic, its label in the page's language, and whether
    it is ticked."""

    id: str
    label: str
    checked: bool


def options(gettext: Callable[[str], str], checked: Iterable[str]) -> list[TopicOption]:
    ticked = set(checked)
    return [
        TopicOption(topic.value, gettext(LABELS[topic]), topic.value in ticked) for topic in Topic
    ]


def from_form(form: Mapping[str, str]) -> list[str]:
    """The topics a form's checkboxes name."""
    return [topic.value for topic in Topic if form.get(f"topic-{topic.value}")]


def named(gettext: Callable[[str], str], topics: Iterable[Topic]) -> str:
    """Topics as a sentence names them: "Suicide, Self-harm"."""
    return ", ".join(gettext(LABELS[topic]) for topic in topics)
