"""Federation policy: which other nodes this one talks to, and how far it trusts them.

Design note. The admin picks a mode and keeps rules per domain:

- ``blocklist`` (the default): everyone federates except suspended domains;
- ``allowlist``: only domains with an ``allow`` rule federate (a suspension still wins);
- ``open``: everyone federates; rules are kept but not enforced (a pause switch).

A rule on ``example.com`` covers it and every subdomain, as in Mastodon;
``*.example.com`` covers the subdomains only. A rule may name a port
(``127.0.0.13:41234``), which then matches that exact authority; a bare name
matches it on any port. When several rules match, the strictest wins: the
highest severity, any ``reject_*`` flag, any ``allow``.

The *trusted* tier sits beside the rules: a domain the admin marks trusted (and does not
hold off) may join private groups that admit trusted nodes only, and reach members who
accept contact from "anyone on a trusted node". Rules from subscribed blocklists
(``subscriptions``) are rules like any other here; ``local`` says the admin set one.

Everything here is pure: ``decide(policy, host)`` is what the inbox, delivery
and fetches ask, and the CSV functions read and write Mastodon's domain-block
export (``#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate``).
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from node.errors import InvalidInput


class Mode(enum.StrEnum):
    OPEN = "open"
    BLOCKLIST = "blocklist"
    ALLOWLIST = "allowlist"


class Severity(enum.StrEnum):
    """How hard a domain is held off, weakest first (Mastodon: noop, silence, suspend)."""

    NOOP = "noop"
    LIMIT = "limit"
    SUSPEND = "suspend"


_RANK = {Severity.NOOP: 0, Severity.LIMIT: 1, Severity.SUSPEND: 2}
DEFAULT_MODE = Mode.BLOCKLIST


def severity_rank(severity: Severity) -> int:
    """How severe: 0 for ``noop``, more for ``limit``, most for ``suspend``."""
    return _RANK[severity]


@dataclass(frozen=True)
class Rule:
    """What the admin decided about one domain (``*.`` prefix: its subdomains only)."""

    domain: str
    severity: Severity = Severity.NOOP
    reject_media: bool = False
    reject_reports: bool = False
    allow: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False
    local: bool = True  # set by the admin, not by a subscribed blocklist
    trusted: bool = False


@dataclass(frozen=True)
class Decision:
    """What applies to one host. ``reason`` is the public one, safe to tell the host."""

    federates: bool
    limited: bool = False
    reject_media: bool = False
    reject_reports: bool = False
    reason: str = ""
    rule: str | None = None  # the domain of the rule that decided, for logs
    trusted: bool = False


@dataclass(frozen=True)
class Policy:
    mode: Mode = DEFAULT_MODE
    rules: Mapping[str, Rule] = field(default_factory=dict)


DOMAIN_MAX = 255  # federation_rules.domain
_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


def normalize_domain(raw: str) -> str:
    """The form rules are stored under: lower case, IDNA, no scheme, path or trailing dot."""
    value = raw.strip().lower()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = value.split("/", 1)[0].rstrip(".")
    wildcard = value.startswith("*.")
    name = value[2:] if wildcard else value
    port = ""
    if name.startswith("["):  # an IPv6 literal, [::1] or [::1]:8080
        end = name.find("]")
        host, rest = name[: end + 1], name[end + 1 :]
        if end < 0 or (rest and not re.fullmatch(r":\d{1,5}", rest)):
            raise InvalidInput(f"{raw!r} is not a domain", field="domain")
        port = rest
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidInput(f"{raw!r} is not a domain", field="domain") from None
        return host + port
    if ":" in name:
        name, _, digits = name.partition(":")
        if not digits.isdigit() or len(digits) > 5:
            raise InvalidInput(f"{raw!r} has a bad port", field="domain")
        port = f":{int(digits)}"
    try:
        name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        raise InvalidInput(f"{raw!r} is not a domain", field="domain") from None
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise InvalidInput(f"{raw!r} is not a domain", field="domain")
    if wildcard and port:
        raise InvalidInput(f"{raw!r}: a wildcard rule cannot name a port", field="domain")
    normalized = ("*." if wildcard else "") + name + port
    if len(normalized) > DOMAIN_MAX:
        raise InvalidInput(f"{raw!r} is too long for a domain", field="domain")
    return normalized


def _is_ip(name: str) -> bool:
    if ":" not in name and not name[-1:].isdigit():
        return False  # a name, not IPv4 or IPv6 (a top label is never all digits)
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def candidate_domains(host: str) -> list[str]:
    """Every rule domain that could cover ``host`` (``name`` or ``name:port``), most
    specific first: the authority, the bare name, then each parent and its wildcard."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):
        name = host[: host.find("]") + 1]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    found = [host] if host != name else []
    found.append(name)
    if _is_ip(name):
        return found
    labels = name.split(".")
    for i in range(1, len(labels)):
        parent = ".".join(labels[i:])
        found += [f"*.{parent}", parent]
    return found


def decide(policy: Policy, host: str) -> Decision:
    """What applies to ``host`` (an authority as in a URL: ``name`` or ``name:port``)."""
    # No rules, nothing to match: a fan-out asks once per host, and most nodes have none.
    rules = policy.rules
    matched = [rules[d] for d in candidate_domains(host) if d in rules] if rules else []
    if policy.mode is Mode.OPEN:
        return Decision(federates=True, trusted=any(rule.trusted for rule in matched))
    allowed = any(rule.allow for rule in matched)
    strictest = max(matched, key=lambda r: _RANK[r.severity], default=None)
    severity = strictest.severity if strictest is not None else Severity.NOOP
    if severity is Severity.SUSPEND:
        assert strictest is not None
        return Decision(
            federates=False,
            limited=True,
            reject_media=True,
            reject_reports=True,
            reason=strictest.public_comment or f"{host} is suspended here",
            rule=strictest.domain,
        )
    if policy.mode is Mode.ALLOWLIST and not allowed:
        return Decision(
            federates=False,
            limited=True,
            reject_media=True,
            reject_reports=True,
            reason=f"this node federates only with the domains it lists; {host} is not one",
        )
    limiting = strictest if severity is Severity.LIMIT else None
    return Decision(
        trusted=any(rule.trusted for rule in matched),
        federates=True,
        limited=limiting is not None,
        reject_media=any(r.reject_media for r in matched),
        reject_reports=any(r.reject_reports for r in matched),
        reason=limiting.public_comment if limiting is not None else "",
        rule=limiting.domain if limiting is not None else None,
    )


# --- what the node publishes (NodeInfo), when the admin chooses to --------------------------


@dataclass(frozen=True)
class PublicRule:
    """A rule as others may see it: the domain (obfuscated if the admin asked), the SHA-256
    of the real one (so a node can check whether it is meant), and the public reason."""

    domain: str
    digest: str
    reason: str


@dataclass(frozen=True)
class PublicPolicy:
    mode: Mode
    blocked: tuple[PublicRule, ...]
    limited: tuple[PublicRule, ...]
    media_rejected: tuple[PublicRule, ...]
    reports_rejected: tuple[PublicRule, ...]


def obfuscate_domain(domain: str) -> str:
    """Mastodon's obfuscation: a quarter of the name shows at each end, the middle is
    ``*`` but for its dots (``bad-place.example`` → ``bad-p****.***mple``)."""
    edge = len(domain) // 4
    end = len(domain) - edge
    return "".join("*" if edge < i < end and char != "." else char for i, char in enumerate(domain))


def public_policy(policy: Policy) -> PublicPolicy:
    """What the node tells others of its policy: its mode and the domains it holds off
    (allows, private reasons and no-op rules stay here)."""

    def listed(keep: Callable[[Rule], bool]) -> tuple[PublicRule, ...]:
        return tuple(
            PublicRule(
                domain=obfuscate_domain(rule.domain) if rule.obfuscate else rule.domain,
                digest=hashlib.sha256(rule.domain.encode()).hexdigest(),
                reason=rule.public_comment,
            )
            for rule in sorted(policy.rules.values(), key=lambda r: r.domain)
            if keep(rule)
        )

    return PublicPolicy(
        mode=policy.mode,
        blocked=listed(lambda r: r.severity is Severity.SUSPEND),
        limited=listed(lambda r: r.severity is Severity.LIMIT),
        media_rejected=listed(lambda r: r.reject_media),
        reports_rejected=listed(lambda r: r.reject_reports),
    )


# --- Mastodon's domain-block CSV -----------------------------------------------------------

CSV_HEADER = [
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
]
_SEVERITY_FROM_CSV = {
    "suspend": Severity.SUSPEND,
    "silence": Severity.LIMIT,
    "limit": Severity.LIMIT,
    "noop": Severity.NOOP,
    "": Severity.NOOP,
}
_SEVERITY_TO_CSV = {Severity.SUSPEND: "suspend", Severity.LIMIT: "silence", Severity.NOOP: "noop"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"true", "1", "yes", "t"}


def severity_named(name: str) -> Severity:
    """A severity as blocklists write it (``suspend``, ``silence`` or ``limit``, ``noop``)."""
    key = name.strip().lower()
    if key not in _SEVERITY_FROM_CSV:
        raise InvalidInput(f"unknown severity {key!r}", field="severity")
    return _SEVERITY_FROM_CSV[key]


def csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str], bool]]:
    """The rows of a domain-block CSV: line number, cells by column name, and whether the
    file has a header (Mastodon's ``#domain,…`` or FediBlockHole's ``domain,…``; without
    one, each line is a bare domain)."""
    reader = csv.reader(lines)
    columns: list[str] | None = None
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        first = row[0].strip()
        if columns is None and (first.startswith("#") or first.lower() == "domain"):
            columns = [cell.strip().lstrip("#").lower() for cell in row]
            continue
        yield reader.line_num, dict(zip(columns or ["domain"], row, strict=False)), bool(columns)


def rule_from_cells(cells: Mapping[str, str], *, headed: bool) -> Rule:
    """One row of a domain-block CSV (without a header: a domain to suspend)."""
    severity = severity_named(cells.get("severity") or "") if headed else Severity.SUSPEND
    return Rule(
        domain=normalize_domain(cells.get("domain") or ""),
        severity=severity,
        reject_media=_flag(cells.get("reject_media")),
        reject_reports=_flag(cells.get("reject_reports")),
        public_comment=(cells.get("public_comment") or cells.get("comment") or "").strip(),
        obfuscate=_flag(cells.get("obfuscate")),
    )


def rules_from_csv(lines: Iterable[str]) -> Iterator[Rule]:
    """Parse Mastodon's domain-block CSV (with its header, or one domain per line).

    Raises ``InvalidInput`` naming the line of the first bad row.
    """
    for line, cells, headed in csv_rows(lines):
        try:
            yield rule_from_cells(cells, headed=headed)
        except InvalidInput as exc:
            raise InvalidInput(f"line {line}: {exc.message}", field=exc.field) from None


def rules_to_csv(rules: Iterable[Rule]) -> str:
    """Mastodon's domain-block CSV of the rules that hold a domain off (``allow`` alone is
    not a block, and private comments stay here)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for rule in rules:
        if rule.severity is Severity.NOOP and not (rule.reject_media or rule.reject_reports):
            continue
        writer.writerow(
            [
                rule.domain,
                _SEVERITY_TO_CSV[rule.severity],
                str(rule.reject_media).lower(),
                str(rule.reject_reports).lower(),
                rule.public_comment,
                str(rule.obfuscate).lower(),
            ]
        )
    return out.getvalue()
