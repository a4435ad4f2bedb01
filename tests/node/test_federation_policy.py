"""The federation policy's decision, a pure function: modes, wildcards, ports, CSV."""

from __future__ import annotations

import pytest

from node.errors import InvalidInput
from node.federation_policy.decision import (
    CSV_HEADER,
    Mode,
    Policy,
    Rule,
    Severity,
    candidate_domains,
    decide,
    normalize_domain,
    rules_from_csv,
    rules_to_csv,
)


def policy(mode: Mode, *rules: Rule) -> Policy:
    return Policy(mode, {rule.domain: rule for rule in rules})


SUSPENDED = Rule("bad.example", Severity.SUSPEND, public_comment="harassment")


@pytest.mark.parametrize(
    ("host", "federates"),
    [
        ("bad.example", False),
        ("sub.bad.example", False),  # a plain domain covers its subdomains
        ("bad.example:8443", False),  # and every port
        ("notbad.example", True),
        ("example", True),
        ("good.example", True),
    ],
)
def test_blocklist_suspends_a_domain_and_its_subdomains(host: str, federates: bool) -> None:
    decision = decide(policy(Mode.BLOCKLIST, SUSPENDED), host)
    assert decision.federates is federates
    if not federates:
        assert decision.reason == "harassment"
        assert decision.rule == "bad.example"


def test_a_wildcard_covers_subdomains_only() -> None:
    rules = policy(Mode.BLOCKLIST, Rule("*.spam.example", Severity.SUSPEND))
    assert not decide(rules, "a.spam.example").federates
    assert not decide(rules, "a.b.spam.example").federates
    assert decide(rules, "spam.example").federates


def test_a_rule_with_a_port_matches_that_authority_only() -> None:
    rules = policy(Mode.BLOCKLIST, Rule("127.0.0.13:41234", Severity.SUSPEND))
    assert not decide(rules, "127.0.0.13:41234").federates
    assert decide(rules, "127.0.0.13:41235").federates
    assert decide(rules, "127.0.0.12:41234").federates
    bare = policy(Mode.BLOCKLIST, Rule("127.0.0.13", Severity.SUSPEND))
    assert not decide(bare, "127.0.0.13:41234").federates
    assert not decide(bare, "127.0.0.13").federates
    assert decide(bare, "27.0.0.13").federates  # addresses have no parents


def test_candidates_are_most_specific_first() -> None:
    assert candidate_domains("a.b.example:80") == [
        "a.b.example:80",
        "a.b.example",
        "*.b.example",
        "b.example",
        "*.example",
        "example",
    ]
    assert candidate_domains("[::1]:8080") == ["[::1]:8080", "[::1]"]


def test_allowlist_federates_only_with_listed_domains_and_suspension_wins() -> None:
    rules = policy(
        Mode.ALLOWLIST,
        Rule("friends.example", allow=True),
        Rule("bad.friends.example", Severity.SUSPEND),
    )
    assert decide(rules, "friends.example").federates
    assert decide(rules, "chat.friends.example").federates
    assert not decide(rules, "bad.friends.example").federates
    refused = decide(rules, "stranger.example")
    assert not refused.federates
    assert "federates only with" in refused.reason


def test_open_mode_enforces_nothing() -> None:
    assert decide(policy(Mode.OPEN, SUSPENDED), "bad.example").federates


def test_limit_and_rejections_apply_the_strictest_of_every_match() -> None:
    rules = policy(
        Mode.BLOCKLIST,
        Rule("loud.example", Severity.LIMIT, public_comment="spammy"),
        Rule("pics.loud.example", reject_media=True),
        Rule("*.loud.example", reject_reports=True),
    )
    decision = decide(rules, "pics.loud.example")
    assert (decision.federates, decision.limited) == (True, True)
    assert (decision.reject_media, decision.reject_reports) == (True, True)
    assert decision.reason == "spammy"
    plain = decide(rules, "loud.example")
    assert (plain.limited, plain.reject_media, plain.reject_reports) == (True, False, False)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Example.COM.", "example.com"),
        ("https://example.com/users/x", "example.com"),
        ("*.Example.com", "*.example.com"),
        ("127.0.0.13:41234", "127.0.0.13:41234"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("[::1]:8080", "[::1]:8080"),
    ],
)
def test_domains_are_normalized(raw: str, stored: str) -> None:
    assert normalize_domain(raw) == stored


@pytest.mark.parametrize("raw", ["", "not a domain", "a..b", "example.com:x", "*.ex.com:80"])
def test_bad_domains_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_domain(raw)


MASTODON_EXPORT = """\
#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
bad.example,suspend,true,true,"Harassment, repeatedly",false
loud.example,silence,false,false,,false
pics.example,noop,true,false,Gore,true
"""


def test_mastodon_csv_round_trips() -> None:
    rules = list(rules_from_csv(MASTODON_EXPORT.splitlines()))
    assert rules == [
        Rule(
            "bad.example",
            Severity.SUSPEND,
            reject_media=True,
            reject_reports=True,
            public_comment="Harassment, repeatedly",
        ),
        Rule("loud.example", Severity.LIMIT),
        Rule("pics.example", reject_media=True, public_comment="Gore", obfuscate=True),
    ]
    assert rules_to_csv(rules) == MASTODON_EXPORT


def test_csv_export_leaves_out_allows_and_private_comments() -> None:
    exported = rules_to_csv(
        [
            Rule("friend.example", allow=True),
            Rule("x.example", Severity.SUSPEND, private_comment="p"),
        ]
    )
    assert exported == ",".join(CSV_HEADER) + "\nx.example,suspend,false,false,,false\n"


def test_a_csv_without_header_suspends_each_domain() -> None:
    rules = list(rules_from_csv(["one.example", "", "two.example"]))
    assert [(r.domain, r.severity) for r in rules] == [
        ("one.example", Severity.SUSPEND),
        ("two.example", Severity.SUSPEND),
    ]


def test_a_bad_csv_line_is_named() -> None:
    with pytest.raises(InvalidInput, match="line 3"):
        list(rules_from_csv(["#domain,#severity", "a.example,suspend", "b.example,obliterate"]))
