"""The reasons ``/metrics`` gives for inbox refusals: the inbox's codes, a bounded set,
with signatures refused for their digest or their date told apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from federation.metrics import refusal_reason
from federation.signing.digests import make_digest, verify_content_digest, verify_digest
from federation.signing.policy import DEFAULT_WINDOW, Rejected, check_times, check_window

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def reason(rejected: Rejected | None) -> str:
    assert rejected is not None
    return refusal_reason("bad_signature", rejected.reason)


def test_refusals_are_counted_by_a_bounded_reason() -> None:
    assert reason(verify_digest(make_digest(b"other body"), b"body")) == "bad_digest"
    assert reason(verify_content_digest("sha-256=:nope", b"body")) == "bad_digest"
    old = check_window("Date", NOW - timedelta(hours=3), NOW, DEFAULT_WINDOW)
    ahead = check_window("created", NOW + timedelta(hours=3), NOW, DEFAULT_WINDOW)
    expired = check_times(
        NOW, DEFAULT_WINDOW, created=None, expires=NOW.timestamp() - 60, date=None
    )
    not_a_date = check_times(NOW, DEFAULT_WINDOW, created=None, expires=None, date="yesterday")
    assert {reason(old), reason(ahead), reason(expired), reason(not_a_date)} == {"date_skew"}
    assert reason(Rejected("signature does not verify")) == "bad_signature"
    assert reason(Rejected("signature does not cover digest")) == "bad_signature"
    assert refusal_reason("unsigned", "request is not signed") == "unsigned"
    assert refusal_reason("too_large", "an activity may be at most 1048576 bytes") == "too_large"
    assert refusal_reason("https://evil.example/made-up", "") == "other"
