"""How subscribed blocklists become federation rules: pure, so the preview and the
apply cannot disagree.

Design note. Each list gives a domain at most its ceiling (``capped``). Where several
lists name a domain, the most severe wins, with any ``reject_*`` flag any of them sets,
and the public reason of the most severe (``merged``). A rule the admin set
(``Rule.local``) always wins: lists never change or remove it, they only note that they
name the domain too. A rule that came from lists alone is removed when no list names
its domain any more. ``plan`` says what applying one list's newly fetched entries would
do to the rules: the preview shows it, the apply carries it out.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from node.federation_policy.decision import Rule, Severity, severity_rank


def capped(rule: Rule, ceiling: Severity) -> Rule:
    """The rule as far as a list with this ceiling may set it."""
    if severity_rank(rule.severity) <= severity_rank(ceiling):
        return rule
    return replace(rule, severity=ceiling)


def merged(domain: str, given: Sequence[Rule]) -> Rule | None:
    """What the lists that name ``domain`` give it together (None: no list names it)."""
    if not given:
        return None
    strongest = max(given, key=lambda rule: severity_rank(rule.severity))
    return Rule(
        domain=domain,
        severity=strongest.severity,
        reject_media=any(rule.reject_media for rule in given),
        reject_reports=any(rule.reject_reports for rule in given),
        public_comment=strongest.public_comment,
        local=False,
    )


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    RAISED = "raised"  # more severe
    LOWERED = "lowered"
    CHANGED = "changed"  # the same severity, other flags or reason
    REMOVED = "removed"


@dataclass(frozen=True)
class Change:
    """What applying would do to one domain's rule."""

    domain: str
    before: Rule | None
    after: Rule | None

    @property
    def kind(self) -> ChangeKind:
        if self.before is None:
            return ChangeKind.ADDED
        if self.after is None:
            return ChangeKind.REMOVED
        up = severity_rank(self.after.severity) - severity_rank(self.before.severity)
        if up:
            return ChangeKind.RAISED if up > 0 else ChangeKind.LOWERED
        return ChangeKind.CHANGED


@dataclass(frozen=True)
class Plan:
    """What applying a list would change, and the domains it names whose rule the admin
    set (left as they are)."""

    changes: tuple[Change, ...]
    kept_local: tuple[str, ...]

    def of(self, *kinds: ChangeKind) -> list[Change]:
        return [change for change in self.changes if change.kind in kinds]


def _same(one: Rule, other: Rule) -> bool:
    return (one.severity, one.reject_media, one.reject_reports, one.public_comment) == (
        other.severity,
        other.reject_media,
        other.reject_reports,
        other.public_comment,
    )


def plan(
    domains: Iterable[str],
    current: Mapping[str, Rule],
    others: Mapping[str, Sequence[Rule]],
    given: Mapping[str, Rule],
) -> Plan:
    """What giving ``given`` (the list's new entries, capped) would change for ``domains``
    (those it names now or named when last applied): ``current`` rules, and what the other
    lists give (``others``)."""
    changes: list[Change] = []
    kept: list[str] = []
    for domain in sorted(set(domains)):
        before = current.get(domain)
        if before is not None and before.local:
            if domain in given:
                kept.append(domain)
            continue
        mine = [given[domain]] if domain in given else []
        after = merged(domain, [*others.get(domain, ()), *mine])
        if before is None and after is None:
            continue
        if before is not None and after is not None and _same(before, after):
            continue
        changes.append(Change(domain, before, after))
    return Plan(tuple(changes), tuple(kept))
