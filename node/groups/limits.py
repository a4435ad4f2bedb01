"""How long what a group is made of may be (names, description, rules, content warning,
language), checked wherever it is written: at creation, when rules are edited, on
every post's content warning, and on groups read from other nodes."""

from __future__ import annotations

from node.errors import InvalidInput

DISPLAY_NAME_MAX = 100
DESCRIPTION_MAX = 5000
RULES_MAX = 30
RULE_TITLE_MAX = 200
RULE_DESCRIPTION_MAX = 2000
CONTENT_WARNING_MAX = 500
LANGUAGE_MAX = 16


def validate_language(language: str, field: str = "language") -> str:
    # BCP 47 tags are short letter/digit runs joined by '-'; we check shape, not registry.
    parts = language.split("-")
    if not language or len(language) > LANGUAGE_MAX or not all(p.isalnum() for p in parts):
        raise InvalidInput("use a language tag such as en, de or pt-BR", field=field)
    return language
