"""What the node tells others of its federation policy (pure: no database)."""

from __future__ import annotations

import hashlib

import pytest

from node.errors import InvalidInput
from node.federation_policy.decision import (
    Mode,
    Policy,
    PublicRule,
    Rule,
    Severity,
    normalize_domain,
    obfuscate_domain,
    public_policy,
)


@pytest.mark.parametrize(
    ("domain", "shown"),
    [
        ("bad-place.example", "bad-p****.***mple"),  # as Mastodon's ObfuscatedDomainPresenter
        ("example.com", "exa****.*om"),
        ("gab.com", "ga*.**m"),
        ("a.b", "a.*"),
    ],
)
def test_obfuscation_hides_the_middle_but_for_dots(domain: str, shown: str) -> None:
    assert obfuscate_domain(domain) == shown


def test_only_what_holds_a_domain_off_is_published_with_public_reasons_only() -> None:
    rules = [
        Rule("bad.example", Severity.SUSPEND, public_comment="abuse", private_comment="t-1"),
        Rule("hidden-name.example", Severity.SUSPEND, obfuscate=True),
        Rule("loud.example", Severity.LIMIT, reject_media=True, reject_reports=True),
        Rule("friend.example", allow=True),
        Rule("noted.example", private_comment="watch"),
    ]
    published = public_policy(Policy(Mode.ALLOWLIST, {rule.domain: rule for rule in rules}))
    digest = hashlib.sha256(b"hidden-name.example").hexdigest()
    assert published.mode is Mode.ALLOWLIST
    assert published.blocked == (
        PublicRule("bad.example", hashlib.sha256(b"bad.example").hexdigest(), "abuse"),
        PublicRule(obfuscate_domain("hidden-name.example"), digest, ""),
    )
    assert [r.domain for r in published.limited] == ["loud.example"]
    assert [r.domain for r in published.media_rejected] == ["loud.example"]
    assert [r.domain for r in published.reports_rejected] == ["loud.example"]
    assert "t-1" not in repr(published)
    assert "friend" not in repr(published)


def test_a_domain_longer_than_a_rule_can_hold_is_refused() -> None:
    too_long = ".".join(["a" * 63] * 4)[:253] + ":65535"
    with pytest.raises(InvalidInput, match="too long"):
        normalize_domain(too_long)
