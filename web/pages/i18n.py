"""Languages of the pages: catalogues, and which language a visitor gets.

Catalogues are gettext ``.po`` files under ``web/locales`` (English is the source
language and needs none). They are read once at start-up and compiled in memory,
so there is no build step and no compiled ``.mo`` file in the repository; a
missing translation shows the English text rather than failing.

A signed-in member reads the language of their setting; anyone else the best
match of their browser's ``Accept-Language``, unless they picked one with the
language switcher (a cookie), which speaks louder than the browser.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from node.accounts import SUPPORTED_LOCALES

DEFAULT_LOCALE = "en"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGE_COOKIE = "kinfolk_lang"


@dataclass(frozen=True)
class Language:
    code: str
    # The language's own name for itself, as a switcher shows it.
    name: str


LANGUAGES = tuple(
    Language(code, Locale.parse(code).get_display_name(code) or code) for code in SUPPORTED_LOCALES
)


def load_translations(directory: Path = LOCALES_DIR) -> dict[str, NullTranslations]:
    """Every supported language's catalogue, compiled in memory."""
    catalogues: dict[str, NullTranslations] = {DEFAULT_LOCALE: NullTranslations()}
    for code in SUPPORTED_LOCALES:
        po = directory / code / "LC_MESSAGES" / "messages.po"
        if code == DEFAULT_LOCALE or not po.exists():
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=code)
        compiled = io.BytesIO()
        write_mo(compiled, catalogue)
        compiled.seek(0)
        catalogues[code] = Translations(compiled)
    return catalogues


def _accepted(accept_language: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().replace("-", "_")))
    return [tag for _, _, tag in sorted(weighted)]


def accepted_languages(accept_language: str) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (``de-AT``)."""
    return [tag.replace("_", "-") for tag in _accepted(accept_language) if tag != "*"]


def accepted_region(accept_language: str) -> str:
    """The region of the browser's first language (``de-AT``: ``AT``), if it names one."""
    for tag in accepted_languages(accept_language):
        region = tag.split("-")[1:2]
        return region[0].upper() if region and len(region[0]) == 2 and region[0].isalpha() else ""
    return ""


def choose_locale(
    *, setting: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> str:
    """The page language: the member's setting, else the switcher's cookie, else the
    browser's best supported match, else English."""
    for chosen in (setting, cookie):
        if chosen in SUPPORTED_LOCALES:
            return chosen
    try:
        match = Locale.negotiate(_accepted(accept_language or ""), SUPPORTED_LOCALES, sep="_")
    except (UnknownLocaleError, ValueError):
        match = None
    return str(match.language) if match is not None else DEFAULT_LOCALE
