"""A group's crisis resources as its actor carries them, written and read.

Two forms, for two kinds of reader:

- ``crisisResources`` (our term, ``kinfolk:crisisResources``, an ordered ``@list``):
  one object per resource, with AS2 ``name``/``nameMap`` and ``url`` (``tel:``,
  ``sms:`` or the address), and our ``contactKind``, ``contact``, ``country``,
  ``languages``, ``hours``/``hoursMap`` and ``note``/``noteMap``. A Kinfolk node
  stores these and shows them on its page for the group.
- the end of ``summary``: a short readable list under "If you need help now:", for
  Lemmy, Mbin and PieFed, which show a community's description and ignore unknown
  properties. A reader that understands ``crisisResources`` cuts that list off the
  description again (``without_summary_list``), so it is not shown twice.

What is read is kept as far as it passes our checks (``node.crisis.resources``),
never refused whole.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from node.crisis.resources import RESOURCES_MAX, ResourceEntry, Translation
from node.kinds import ContactKind

PROPERTY = "crisisResources"
SUMMARY_HEADING = "<p>If you need help now:</p>"


def _map(values: dict[str, str]) -> dict[str, str]:
    return {language: text for language, text in values.items() if text}


def resources_json(entries: Sequence[ResourceEntry]) -> list[dict[str, Any]]:
    """Our list as ``crisisResources`` carries it."""
    documents = []
    for entry in entries:
        document: dict[str, Any] = {
            "type": "CrisisResource",
            "name": entry.name,
            "contactKind": entry.kind.value,
            "contact": entry.value,
            "url": entry.href,
        }
        for key, value in (("country", entry.country), ("hours", entry.hours)):
            if value:
                document[key] = value
        if entry.note:
            document["note"] = entry.note
        if entry.languages:
            document["languages"] = list(entry.languages)
        for key in ("name", "hours", "note"):
            texts = _map({t.language: getattr(t, key) for t in entry.translations})
            if texts:
                document[f"{key}Map"] = texts
        documents.append(document)
    return documents


def summary_list(entries: Sequence[ResourceEntry]) -> str:
    """The short readable list the group's ``summary`` ends with (empty: none)."""
    if not entries:
        return ""
    items = []
    for entry in entries:
        item = f'{html.escape(entry.name)}: <a href="{html.escape(entry.href)}">'
        item += f"{html.escape(entry.value)}</a>"
        if entry.hours:
            item += f" ({html.escape(entry.hours)})"
        items.append(f"<li>{item}</li>")
    return SUMMARY_HEADING + "<ul>" + "".join(items) + "</ul>"


def without_summary_list(summary: str) -> str:
    """A Kinfolk group's description without the list ``summary_list`` added to it."""
    at = summary.rfind(SUMMARY_HEADING)
    return summary[:at] if at >= 0 else summary


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _texts(document: dict[str, Any], key: str) -> dict[str, str]:
    given = document.get(f"{key}Map")
    if not isinstance(given, dict):
        return {}
    return {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}


def _kind(document: dict[str, Any]) -> ContactKind | None:
    given = document.get("contactKind")
    if given in {kind.value for kind in ContactKind}:
        return ContactKind(given)
    url = _text(document.get("url"))
    if url.startswith("tel:"):
        return ContactKind.PHONE
    if url.startswith("sms:"):
        return ContactKind.TEXT
    return ContactKind.WEB if url.startswith(("https://", "http://")) else None


def _entry(document: dict[str, Any]) -> ResourceEntry | None:
    kind = _kind(document)
    url = _text(document.get("url"))
    value = _text(document.get("contact")) or url.removeprefix("tel:").removeprefix("sms:")
    maps = {key: _texts(document, key) for key in ("name", "hours", "note")}
    name = _text(document.get("name")) or next(iter(maps["name"].values()), "")
    if kind is None or not value or not name:
        return None
    languages = document.get("languages")
    tags = sorted({tag for texts in maps.values() for tag in texts})
    return ResourceEntry(
        name=name,
        kind=kind,
        value=value,
        country=_text(document.get("country")),
        languages=tuple(t for t in languages if isinstance(t, str))
        if isinstance(languages, list)
        else (),
        hours=_text(document.get("hours")),
        note=_text(document.get("note")),
        translations=tuple(
            Translation(
                tag,
                maps["name"].get(tag, ""),
                maps["hours"].get(tag, ""),
                maps["note"].get(tag, ""),
            )
            for tag in tags
        ),
    )


def resources_of(document: dict[str, Any]) -> list[ResourceEntry] | None:
    """The resources a group actor publishes, in order; None if it says nothing of them
    (not a Kinfolk group: whatever we hold is then kept as it is)."""
    given = document.get(PROPERTY)
    if isinstance(given, dict) and isinstance(given.get("@list"), list):
        given = given["@list"]
    if not isinstance(given, list):
        return None
    entries = [_entry(item) for item in given[: RESOURCES_MAX * 3] if isinstance(item, dict)]
    return [entry for entry in entries if entry is not None]
