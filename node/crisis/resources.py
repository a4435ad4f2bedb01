"""The node's and each group's crisis resources: values, checks, and whole-list edits.

A list is edited whole (as rules are): the new list replaces the old, in its order.
Sizes are bounded, so a page or a Group actor carrying a list stays small. A text
(name, hours, note) has a default and may have a value per language, as a resource
often serves people in several languages. Contacts are checked by kind: a number
to call or text, or an ``https``/``http`` address for a chat or a page, so every
resource can be reached from a link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.kinds import ContactKind
from node.storage.models.crisis import CrisisResource as Row

# Ten a list: the group's and the node's together stay a short list to read in a bad
# moment (and a page form of them stays within the form field limit).
RESOURCES_MAX = 10
NAME_MAX = 120
VALUE_MAX = 300
HOURS_MAX = 120
NOTE_MAX = 500
LANGUAGES_MAX = 10
TRANSLATIONS_MAX = 10

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{1,30}$")
_WEB = re.compile(r"^https?://[^\s<>\"']+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Translation:
    """A resource's texts in one more language (empty: as the default)."""

    language: str
    name: str = ""
    hours: str = ""
    note: str = ""


@dataclass(frozen=True)
class ResourceEntry:
    """One resource as it is kept and edited, with every language it is described in."""

    name: str
    kind: ContactKind
    value: str
    country: str = ""
    languages: tuple[str, ...] = ()
    hours: str = ""
    note: str = ""
    translations: tuple[Translation, ...] = field(default=())

    @property
    def href(self) -> str:
        """Where a link to it goes: ``tel:``/``sms:`` for a number, else the address."""
        if self.kind in (ContactKind.PHONE, ContactKind.TEXT):
            scheme = "tel:" if self.kind is ContactKind.PHONE else "sms:"
            return scheme + re.sub(r"[^0-9+]", "", self.value)
        return self.value


def language_tag(tag: str) -> str:
    """A language tag as we keep it: ``de``, ``pt-BR`` (primary subtag lower case)."""
    primary, _, rest = tag.strip().replace("_", "-").partition("-")
    return primary.lower() + ("-" + rest if rest else "")


def _text(value: str, maximum: int, where: str, *, minimum: int = 0) -> str:
    value = " ".join(value.split())
    if len(value) > maximum:
        raise InvalidInput(f"at most {maximum} characters, got {len(value)}", field=where)
    if len(value) < minimum:
        raise InvalidInput("must not be empty", field=where)
    return value


def checked(entry: ResourceEntry, where: str = "resources[0]") -> ResourceEntry:
    """The entry tidied (spaces, cases), or ``InvalidInput`` naming the field at fault."""
    value = entry.value.strip()
    if len(value) > VALUE_MAX:
        raise InvalidInput(f"at most {VALUE_MAX} characters", field=f"{where}.value")
    web = entry.kind in (ContactKind.CHAT, ContactKind.WEB)
    if not (_WEB if web else _PHONE).match(value):
        wanted = "an https:// address" if web else "a phone number"
        raise InvalidInput(f"{entry.kind.value}: write {wanted}", field=f"{where}.value")
    country = entry.country.strip().upper()
    if country and not _COUNTRY.match(country):
        raise InvalidInput("a two-letter country code (ISO 3166)", field=f"{where}.country")
    languages = tuple(dict.fromkeys(language_tag(tag) for tag in entry.languages if tag.strip()))
    if len(languages) > LANGUAGES_MAX or not all(_LANGUAGE.match(tag) for tag in languages):
        raise InvalidInput(
            f"at most {LANGUAGES_MAX} language tags such as en or pt-BR",
            field=f"{where}.languages",
        )
    if len(entry.translations) > TRANSLATIONS_MAX:
        raise InvalidInput(
            f"at most {TRANSLATIONS_MAX} translations", field=f"{where}.translations"
        )
    translations: dict[str, Translation] = {}
    for index, given in enumerate(entry.translations):
        at = f"{where}.translations[{index}]"
        tag = language_tag(given.language)
        if not _LANGUAGE.match(tag) or tag in translations:
            raise InvalidInput("a language tag, once each", field=f"{at}.language")
        translated = Translation(
            tag,
            _text(given.name, NAME_MAX, f"{at}.name"),
            _text(given.hours, HOURS_MAX, f"{at}.hours"),
            _text(given.note, NOTE_MAX, f"{at}.note"),
        )
        if translated.name or translated.hours or translated.note:
            translations[tag] = translated
    return ResourceEntry(
        name=_text(entry.name, NAME_MAX, f"{where}.name", minimum=1),
        kind=entry.kind,
        value=value,
        country=country,
        languages=languages,
        hours=_text(entry.hours, HOURS_MAX, f"{where}.hours"),
        note=_text(entry.note, NOTE_MAX, f"{where}.note"),
        translations=tuple(translations.values()),
    )


def checked_list(entries: Sequence[ResourceEntry]) -> list[ResourceEntry]:
    if len(entries) > RESOURCES_MAX:
        raise InvalidInput(f"at most {RESOURCES_MAX} resources", field="resources")
    return [checked(entry, f"resources[{index}]") for index, entry in enumerate(entries)]


def _entry(row: Row) -> ResourceEntry:
    stored = json.loads(row.translations or "{}")
    return ResourceEntry(
        name=row.name,
        kind=row.kind,
        value=row.value,
        country=row.country,
        languages=tuple(row.languages.split()),
        hours=row.hours,
        note=row.note,
        translations=tuple(
            Translation(tag, texts.get("name", ""), texts.get("hours", ""), texts.get("note", ""))
            for tag, texts in stored.items()
        ),
    )


async def stored_list(session: AsyncSession, group_id: int | None) -> list[ResourceEntry]:
    """A group's list (``None``: the node's), in order, every language."""
    owner = Row.group_id.is_(None) if group_id is None else Row.group_id == group_id
    rows = await session.scalars(select(Row).where(owner).order_by(Row.position, Row.id))
    return [_entry(row) for row in rows]


async def stored_lists(
    session: AsyncSession, group_id: int | None
) -> tuple[list[ResourceEntry], list[ResourceEntry]]:
    """Group ``group_id``'s list (empty for None) and the node's, in order, read in one
    statement: every page shows both."""
    owner: ColumnElement[bool] = Row.group_id.is_(None)
    if group_id is not None:
        owner = or_(owner, Row.group_id == group_id)
    rows = await session.scalars(select(Row).where(owner).order_by(Row.position, Row.id))
    group: list[ResourceEntry] = []
    node: list[ResourceEntry] = []
    for row in rows:
        (node if row.group_id is None else group).append(_entry(row))
    return group, node


async def replace_list(
    session: AsyncSession, group_id: int | None, entries: Sequence[ResourceEntry]
) -> list[ResourceEntry]:
    """Make a list (``None``: the node's) exactly ``entries``, checked, in that order.
    Callers check who may (``node.crisis.editing``)."""
    cleaned = checked_list(entries)
    owner = Row.group_id.is_(None) if group_id is None else Row.group_id == group_id
    await session.execute(delete(Row).where(owner))
    for position, entry in enumerate(cleaned, start=1):
        session.add(
            Row(
                group_id=group_id,
                position=position,
                name=entry.name,
                kind=entry.kind,
                value=entry.value,
                country=entry.country,
                languages=" ".join(entry.languages),
                hours=entry.hours,
                note=entry.note,
                translations=json.dumps(
                    {
                        t.language: {"name": t.name, "hours": t.hours, "note": t.note}
                        for t in entry.translations
                    }
                ),
            )
        )
    await session.flush()
    return cleaned


def cut_to_limits(entries: Sequence[ResourceEntry]) -> list[ResourceEntry]:
    """What a group elsewhere publishes, kept as far as it passes our checks: an entry that
    does not is left out, never the whole list refused."""
    kept: list[ResourceEntry] = []
    for entry in entries:
        try:
            kept.append(checked(replace(entry, translations=entry.translations[:TRANSLATIONS_MAX])))
        except InvalidInput:
            continue
        if len(kept) == RESOURCES_MAX:
            break
    return kept
