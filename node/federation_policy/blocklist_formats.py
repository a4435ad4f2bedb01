"""Reading a subscribed blocklist, in whichever format it comes.

Design note. The formats are those FediBlockHole reads: Mastodon's domain-block CSV
(``#domain,#severity,…``, or FediBlockHole's own ``domain,severity,…``), a JSON list of
Mastodon's domain blocks (the admin API's ``public_comment``, or the public
``/api/v1/instance/domain_blocks`` with ``comment`` and ``digest``), RapidBlock's JSON
(``{"blocks": {domain: {"isBlocked", "reason"}}}``) and a bare domain per line (RapidBlock's
CSV). One bad entry does not spoil a list: an entry whose name is obfuscated (a ``*``
inside it) or given as a digest alone cannot be applied, and is reported so, never
guessed; neither can a name that is no domain or an unknown severity. Private comments
of a list are never read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from node.errors import InvalidInput
from node.federation_policy.decision import (
    Rule,
    Severity,
    csv_rows,
    normalize_domain,
    rule_from_cells,
    severity_named,
)


@dataclass(frozen=True)
class ParsedList:
    """A list's entries that can be applied (one per domain: the last wins), and those that
    cannot, each as ``name: why``."""

    rules: tuple[Rule, ...]
    unapplicable: tuple[str, ...]


def _obfuscated(name: str) -> bool:
    return "*" in name.removeprefix("*.")


def _entry(
    name: str,
    make: Callable[[], Rule],
    rules: dict[str, Rule],
    unapplicable: list[str],
    digest: str = "",
) -> None:
    """Add the entry ``make()`` reads, or say why it cannot be applied."""
    shown = name.strip() or (f"sha256:{digest[:16]}…" if digest else "(no name)")
    if not name.strip():
        unapplicable.append(f"{shown}: only a digest of the name is given")
        return
    if _obfuscated(name):
        unapplicable.append(f"{shown}: the name is obfuscated")
        return
    try:
        rule = make()
    except InvalidInput as error:
        unapplicable.append(f"{shown[:100]}: {error.message}")
        return
    rules[rule.domain] = rule


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "1", "yes", "t"}


def _from_mastodon_json(items: list[Any], rules: dict[str, Rule], unapplicable: list[str]) -> None:
    for item in items:
        if not isinstance(item, Mapping):
            unapplicable.append(f"{str(item)[:100]}: not a domain block")
            continue
        name = str(item.get("domain") or "")

        def make(item: Mapping[str, Any] = item, name: str = name) -> Rule:
            comment = item.get("public_comment") or item.get("comment") or ""
            return Rule(
                domain=normalize_domain(name),
                severity=severity_named(str(item.get("severity") or "suspend")),
                reject_media=_flag(item.get("reject_media")),
                reject_reports=_flag(item.get("reject_reports")),
                public_comment=str(comment).strip(),
            )

        _entry(name, make, rules, unapplicable, str(item.get("digest") or ""))


def _from_rapidblock_json(
    blocks: Mapping[str, Any], rules: dict[str, Rule], unapplicable: list[str]
) -> None:
    for name, about in blocks.items():
        details = about if isinstance(about, Mapping) else {}

        def make(name: str = name, details: Mapping[str, Any] = details) -> Rule:
            blocked = details.get("isBlocked", True) is not False
            return Rule(
                domain=normalize_domain(name),
                severity=Severity.SUSPEND if blocked else Severity.NOOP,
                public_comment=str(details.get("reason") or "").strip(),
            )

        _entry(str(name), make, rules, unapplicable)


def _from_csv(lines: Iterable[str], rules: dict[str, Rule], unapplicable: list[str]) -> None:
    for line, cells, headed in csv_rows(lines):
        name = cells.get("domain") or ""
        if name.strip().startswith("#"):
            continue  # a comment line in a plain list of domains

        def make(cells: dict[str, str] = cells, headed: bool = headed) -> Rule:
            return rule_from_cells(cells, headed=headed)

        before = len(unapplicable)
        _entry(name, make, rules, unapplicable, cells.get("digest") or "")
        if len(unapplicable) > before:
            unapplicable[-1] = f"line {line}: {unapplicable[-1]}"


def parse_blocklist(body: bytes) -> ParsedList:
    """Read a fetched list in any of the formats above; ``InvalidInput`` if it is none."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the list is not UTF-8 text", field="url") from None
    rules: dict[str, Rule] = {}
    unapplicable: list[str] = []
    start = text.lstrip()[:1]
    if start in {"[", "{"}:
        try:
            document = json.loads(text)
        except ValueError:
            raise InvalidInput("the list is not valid JSON", field="url") from None
        if isinstance(document, list):
            _from_mastodon_json(document, rules, unapplicable)
        elif isinstance(document, dict) and isinstance(document.get("blocks"), dict):
            _from_rapidblock_json(document["blocks"], rules, unapplicable)
        else:
            raise InvalidInput("the JSON is no list of domain blocks", field="url")
    else:
        _from_csv(text.splitlines(), rules, unapplicable)
    return ParsedList(tuple(rules.values()), tuple(unapplicable))
