"""A group's crisis resources on the wire: what we write is read back the same, and what
another node writes is kept as far as it passes our checks, never refused whole."""

from __future__ import annotations

from typing import Any

from federation.protocol.crisis_resources import (
    resources_json,
    resources_of,
    summary_list,
    without_summary_list,
)
from node.crisis.resources import ResourceEntry, Translation, cut_to_limits
from node.kinds import ContactKind

ENTRIES = [
    ResourceEntry(
        name="Grief line",
        kind=ContactKind.PHONE,
        value="0800 123 456",
        country="GB",
        languages=("en", "de"),
        hours="evenings",
        note="Free",
        translations=(Translation("de", "Trauertelefon", "abends", "Kostenlos"),),
    ),
    ResourceEntry(name="Chat", kind=ContactKind.CHAT, value="https://help.example/chat"),
]


def test_what_we_write_reads_back_the_same() -> None:
    assert resources_of({"crisisResources": resources_json(ENTRIES)}) == ENTRIES
    # A JSON-LD processor's compacted @list form reads the same.
    assert resources_of({"crisisResources": {"@list": resources_json(ENTRIES)}}) == ENTRIES


def test_a_group_that_says_nothing_is_told_apart_from_one_that_has_none() -> None:
    assert resources_of({"type": "Group"}) is None
    assert resources_of({"crisisResources": []}) == []


def test_what_cannot_be_reached_or_read_is_left_out_not_the_list() -> None:
    given: list[Any] = [
        "not an object",
        {"name": "No contact"},
        {"name": "Script", "contactKind": "web", "contact": "javascript:alert(1)"},
        {"nameMap": {"fr": "Écoute"}, "url": "tel:+33 1 45 39 40 00"},
        {"name": "Too far", "contactKind": "phone", "contact": "116 123", "country": "GBR"},
        *[{"name": f"Line {n}", "contactKind": "phone", "contact": "116 123"} for n in range(20)],
    ]
    kept = cut_to_limits(resources_of({"crisisResources": given}) or [])
    assert [entry.name for entry in kept][:2] == ["Écoute", "Line 0"]
    assert kept[0].kind is ContactKind.PHONE
    assert kept[0].value == "+33 1 45 39 40 00"
    assert len(kept) == 10


def test_the_summary_list_is_readable_and_cut_off_again() -> None:
    description = "<p>A gentle place.</p>"
    summary = description + summary_list(ENTRIES)
    assert summary_list([]) == ""
    assert '<li>Grief line: <a href="tel:0800123456">0800 123 456</a> (evenings)</li>' in summary
    assert without_summary_list(summary) == description
    assert without_summary_list(description) == description
