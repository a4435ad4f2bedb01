"""Every text of the pages is translated into German and French, placeholders intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web.pages.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
METHODS = [
    ("web/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]
OPTIONS = {
    "web/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "True",
        "lstrip_blocks": "True",
    }
}


def source_texts() -> set[str]:
    found = extract_from_dir(
        str(ROOT), METHODS, options_map=OPTIONS, keywords={"_": None}, comment_tags=()
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_the_extraction_finds_the_pages_texts() -> None:
    """The check below is only worth something if extraction sees templates and code."""
    texts = source_texts()
    assert "Skip to main content" in texts  # a template
    assert "Unknown username or wrong password." in texts  # a handler


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_text_is_translated(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source, locale=language)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(source_texts() - set(translated))
    assert missing == [], f"untranslated in {language} (run `make messages`, then translate)"
    problems = [(m.id, errors) for m, errors in catalogue.check() if errors]
    assert problems == []
