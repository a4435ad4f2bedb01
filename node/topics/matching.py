"""Support topics read from free-text content warnings written elsewhere.

Mastodon, Lemmy and most other software know only a free-text warning ("CW: suicide
mention", "TW: SH", "Suizid"). Where it uses a word we know in English, German or
French, the post gets that topic here, so a reader's filters work on posts from
everywhere. Words are matched whole and case-insensitively, except for short
abbreviations ("SH", "ED", "SV", "SA"), which count only in capitals. A warning may
name several topics; one naming none leaves the post without topics (its warning
still collapses it).
"""

from __future__ import annotations

import re

from node.topics import Topic

# Stems end in \w* where a word's endings vary (suicidal, Suizidgedanken, suicidaire).
_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.SELF_HARM: (
        r"self[- ]?harm\w*",
        r"self[- ]?injur\w*",
        r"selbstverletz\w*",
        r"selbstverletzendes verhalten",
        r"ritzen",
        r"automutil\w*",
        r"scarification\w*",
    ),
    Topic.SUICIDE: (
        r"suicid\w*",
        r"suizid\w*",
        r"selbstmord\w*",
        r"freitod",
        r"unalive\w*",
    ),
    Topic.EATING_DISORDERS: (
        r"eating[- ]disorder\w*",
        r"disordered eating",
        r"anorexi\w*",
        r"bulimi\w*",
        r"binge[- ]eating",
        r"essstörung\w*",
        r"magersucht",
        r"troubles? (?:du comportement |des conduites )?alimentaires?",
        r"anorexique\w*",
    ),
    Topic.ABUSE: (
        r"abuse\w*",
        r"abusive",
        r"missbrauch\w*",
        r"misshandlung\w*",
        r"maltraitance\w*",
        r"abus",
        r"violences? conjugales?",
        r"häusliche gewalt",
    ),
    Topic.SEXUAL_VIOLENCE: (
        r"sexual (?:violence|assault|abuse)",
        r"rape\w*",
        r"sexualisierte gewalt",
        r"sexuelle[rn]? (?:gewalt|missbrauch|übergriff\w*)",
        r"vergewaltig\w*",
        r"violences? sexuelles?",
        r"agressions? sexuelles?",
        r"viol",
    ),
    Topic.SUBSTANCE_USE: (
        r"substance(?:s| use| abuse)",
        r"drugs?",
        r"drug use",
        r"alcohol\w*",
        r"addict\w*",
        r"drogen\w*",
        r"alkohol\w*",
        r"sucht",
        r"drogues?",
        r"alcool\w*",
        r"toxicomanie",
    ),
    Topic.GRIEF_AND_LOSS: (
        r"grie(?:f|ving)",
        r"bereave\w*",
        r"death",
        r"dying",
        r"trauer\w*",
        r"tod",
        r"sterben",
        r"deuil",
        r"décès",
        r"mort",
    ),
    Topic.PREGNANCY_AND_INFANT_LOSS: (
        r"miscarr\w*",
        r"stillbirth\w*",
        r"still[- ]?born",
        r"pregnancy loss",
        r"(?:infant|baby) loss",
        r"fehlgeburt\w*",
        r"totgeburt\w*",
        r"sternenkind\w*",
        r"fausses? couches?",
        r"mort[- ]nés?",
        r"deuil périnatal",
    ),
    Topic.MEDICAL_DETAIL: (
        r"medical\w*",
        r"surgery",
        r"blood",
        r"needles?",
        r"medizinisch\w*",
        r"blut",
        r"médica\w*",
        r"chirurgi\w*",
        r"saignement\w*",
    ),
    Topic.VIOLENCE: (
        r"violen(?:ce|t)\w*",
        r"gewalt\w*",
        r"gore",
    ),
}
# Abbreviations as CWs write them: only in capitals, so "sh" or "ed" in a sentence is
# not taken for one. "SV" is German usage (Selbstverletzung), "SVV" its long form.
_ABBREVIATIONS: dict[Topic, tuple[str, ...]] = {
    Topic.SELF_HARM: ("SH", "SV", "SVV"),
    Topic.SUICIDE: ("SI",),
    Topic.EATING_DISORDERS: ("ED", "TCA"),
    Topic.SEXUAL_VIOLENCE: ("SA",),
}


def _pattern(words: tuple[str, ...], flags: int) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", flags)


_PATTERNS: tuple[tuple[Topic, re.Pattern[str]], ...] = tuple(
    (topic, _pattern(words, re.IGNORECASE)) for topic, words in _WORDS.items()
) + tuple((topic, _pattern(words, 0)) for topic, words in _ABBREVIATIONS.items())


# Where there is no warning field (Lemmy, Mbin, PieFed), people put one in the title:
# "[TW: suicide] …", "CW - SH: …", "(CN: grief)".
_TITLE_MARKER = re.compile(r"(?<!\w)(?:TW|CW|CN)\b\s*[:\-\u2013]?\s*([^\])]*)", re.IGNORECASE)


def topics_in_title(title: str) -> tuple[Topic, ...]:
    """The topics a warning written into a title names ("[TW: suicide] Tonight")."""
    marker = _TITLE_MARKER.search(title)
    return topics_in_warning(marker.group(1)) if marker else ()


def topics_in_warning(warning: str) -> tuple[Topic, ...]:
    """The topics a free-text content warning names, in the vocabulary's order."""
    found = {topic for topic, pattern in _PATTERNS if pattern.search(warning)}
    return tuple(topic for topic in Topic if topic in found)
