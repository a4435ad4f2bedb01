"""The check-in scale: five steps, from "really struggling" to "really good", stored as 1 to 5.

The English words are the ones pages translate (through gettext, in
``web/pages/checkins.py``); the German and French ones here are for the text of a shared
check-in, which is written once, in the post's language, and read anywhere
(``share_text``).
"""

from __future__ import annotations

import enum
import re

from node.errors import InvalidInput


class Scale(enum.IntEnum):
    REALLY_STRUGGLING = 1
    LOW = 2
    OKAY = 3
    GOOD = 4
    REALLY_GOOD = 5


WORDS: dict[str, dict[Scale, str]] = {
    "en": {
        Scale.REALLY_STRUGGLING: "really struggling",
        Scale.LOW: "low",
        Scale.OKAY: "okay",
        Scale.GOOD: "good",
        Scale.REALLY_GOOD: "really good",
    },
    "de": {
        Scale.REALLY_STRUGGLING: "sehr schwer",
        Scale.LOW: "eher schlecht",
        Scale.OKAY: "okay",
        Scale.GOOD: "gut",
        Scale.REALLY_GOOD: "richtig gut",
    },
    "fr": {
        Scale.REALLY_STRUGGLING: "vraiment difficile",
        Scale.LOW: "pas terrible",
        Scale.OKAY: "ça va",
        Scale.GOOD: "bien",
        Scale.REALLY_GOOD: "très bien",
    },
}

_LINE = {"en": "Check-in: {scale}", "de": "Check-in: {scale}", "fr": "Check-in : {scale}"}


def parse_scale(value: int) -> Scale:
    """A scale from its number, 1 to 5; anything else is ``InvalidInput``."""
    try:
        return Scale(value)
    except ValueError:
        raise InvalidInput("choose a step of the scale, from 1 to 5", field="scale") from None


def scale_words(scale: int, language: str) -> str:
    """The step in words, in ``language`` (English when it is not one of ours)."""
    return WORDS.get(language.split("-", 1)[0], WORDS["en"])[Scale(scale)]


# What Markdown could read as markup, backslash-escaped (CommonMark allows it for any
# ASCII punctuation): the member's plain words stay plain once the post is rendered.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")


def _plain(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", text)


def share_text(scale: int, words: tuple[str, ...], note: str, language: str) -> str:
    """A shared check-in as Markdown that reads well anywhere: "Check-in: okay — tired,
    hopeful", then the note, its line breaks kept."""
    line = _LINE.get(language.split("-", 1)[0], _LINE["en"])
    line = line.format(scale=scale_words(scale, language))
    if words:
        line += " — " + ", ".join(words)
    paragraphs = [_plain(line)]
    for paragraph in re.split(r"\n\s*\n", note.strip()):
        if paragraph.strip():
            paragraphs.append("\\\n".join(_plain(part) for part in paragraph.strip().splitlines()))
    return "\n\n".join(paragraphs)
