"""A group's rules as group actors carry them, read and written.

There is no common vocabulary for rules. PieFed publishes a community's rules as
HTML in ``rules`` (its ``piefed:rules``); a Kinfolk group publishes them the same
way, an ordered list with each rule's title in ``<strong>`` and its description
after it, so PieFed shows ours and one reader serves both. Mbin appends the
rules to the description, under a "Rules" heading of its markdown ``source``;
Lemmy has no rules of its own, and communities usually write them into the
sidebar (``source``/``summary``) the same way. So: ``rules`` if the actor has
it, else the list under a "Rules" heading of the description (markdown
``source`` first, else the ``summary`` HTML), else none. What is read is cut to
this node's limits (``node.groups.limits.RULES_MAX`` and the title and description
lengths), never refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from node.content import render_markdown
from node.groups.limits import RULE_DESCRIPTION_MAX, RULE_TITLE_MAX, RULES_MAX
from node.rules import RuleChange
from node.views import RuleView

# "Rules", "Community rules", "Regeln", "Règles"… as a heading of a description.
_RULES_HEADING = re.compile(r"\b(rules|regeln|r[èe]gles)\b", re.IGNORECASE)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LEAD_TRIM = " \t\n:.-\u2013\u2014"  # and the en and em dashes


def rules_html(rules: Sequence[RuleView]) -> str:
    """Our rules as the ``rules`` property carries them (empty: no rules)."""
    if not rules:
        return ""
    items = []
    for rule in rules:
        item = f"<li><strong>{html.escape(rule.title)}</strong>"
        if rule.description:
            item += f"<p>{html.escape(rule.description)}</p>"
        items.append(item + "</li>")
    return "<ol>" + "".join(items) + "</ol>"


def rules_of(document: dict[str, Any]) -> list[RuleChange]:
    """The rules a group actor publishes, in order (see the module note)."""
    given = document.get("rules")
    if isinstance(given, str):
        blocks = _blocks(given)
        return _rules([b for b in blocks if b.kind == "li"] or [b for b in blocks if b.kind == "p"])
    if isinstance(given, list):
        return _rules(_listed(given))
    source = document.get("source")
    if isinstance(source, dict) and source.get("mediaType") == "text/markdown":
        content = source.get("content")
        if isinstance(content, str):
            return _rules(_section(_blocks(render_markdown(content))))
    summary = document.get("summary")
    return _rules(_section(_blocks(summary))) if isinstance(summary, str) else []


@dataclass
class _Block:
    """A heading, list item or paragraph of an HTML text, as plain text; ``lead`` is the
    bold text a list item or paragraph opens with (a rule's title, in our shape)."""

    kind: str
    level: int = 0
    text: str = ""
    lead: str = ""
    rest: str = ""  # the text after the lead
    _parts: list[str] = field(default_factory=list)
    _lead_end: int = 0
    _lead_open: bool = False
    _lead_done: bool = False


class _Reader(HTMLParser):
    """HTML as a flat list of blocks: top-level list items, paragraphs outside them, and
    headings. A list inside a list item stays part of that item's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self._open: _Block | None = None
        self._list_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        current = self._open
        if tag in {"ol", "ul"}:
            self._list_depth += 1
        if tag == "li" and self._list_depth <= 1 and current is None:
            self._open = _Block("li")
        elif tag in _HEADINGS and current is None:
            self._open = _Block("h", level=int(tag[1]))
        elif tag == "p" and current is None:
            self._open = _Block("p")
        elif current is not None:
            if (
                tag in {"strong", "b"}
                and not current._lead_done
                and not "".join(current._parts).strip()
            ):
                current._lead_open = True
            elif tag in {"p", "br", "li"}:
                current._parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        current = self._open
        if tag in {"ol", "ul"}:
            self._list_depth = max(0, self._list_depth - 1)
        if current is None:
            return
        if tag in {"strong", "b"} and current._lead_open:
            current._lead_open, current._lead_done = False, True
            current.lead = "".join(current._parts)
            current._lead_end = len(current._parts)
        closes = {"li": "li", "p": "p"}.get(tag) == current.kind or (
            current.kind == "h" and tag in _HEADINGS
        )
        if closes and (current.kind != "li" or self._list_depth <= 1):
            current.text = "".join(current._parts)
            current.rest = "".join(current._parts[current._lead_end :])
            self.blocks.append(current)
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open._parts.append(data)


def _blocks(text: str) -> list[_Block]:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.blocks


def _section(blocks: list[_Block]) -> list[_Block]:
    """The items under the first "Rules" heading, up to the next heading as high."""
    start = next(
        (i for i, b in enumerate(blocks) if b.kind == "h" and _RULES_HEADING.search(b.text)), None
    )
    if start is None:
        return []
    level, inside = blocks[start].level, []
    for block in blocks[start + 1 :]:
        if block.kind == "h" and block.level <= level:
            break
        inside.append(block)
    return [b for b in inside if b.kind == "li"] or [b for b in inside if b.kind == "p"]


def _listed(given: list[Any]) -> list[_Block]:
    """Rules given as a list: strings, or objects with a name and a text."""
    blocks = []
    for entry in given:
        if isinstance(entry, str):
            blocks.append(_Block("li", text=_plain(entry)))
        elif isinstance(entry, dict):
            title = entry.get("name") or entry.get("title")
            text = entry.get("content") or entry.get("description") or ""
            if isinstance(title, str) and isinstance(text, str):
                title, rest = _plain(title), _plain(text)
                blocks.append(_Block("li", lead=title, rest=rest, text=f"{title}\n{rest}"))
    return blocks


def _plain(text: str) -> str:
    return " ".join(block.text for block in _blocks(f"<p>{text}</p>")).strip()


def _squeeze(text: str) -> str:
    """Runs of blank space as one space, paragraphs apart by one blank line."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip() + "…"


def _rules(blocks: Sequence[_Block]) -> list[RuleChange]:
    rules = []
    for block in blocks:
        lead = " ".join(block.lead.split()).strip(_LEAD_TRIM)
        if lead:  # "**Be kind**: no insults" or our <strong>title</strong><p>…</p>
            title, description = lead, _squeeze(block.rest).lstrip(_LEAD_TRIM)
        else:
            text = _squeeze(block.text)
            # Too long for a title: shortened there, and kept whole as the description.
            title, description = text, text if len(text) > RULE_TITLE_MAX else ""
        title = _cut(" ".join(title.split()), RULE_TITLE_MAX)
        if title:
            rules.append(RuleChange(title, _cut(description, RULE_DESCRIPTION_MAX)))
        if len(rules) == RULES_MAX:
            break
    return rules
