"""The retry policy as tables: what each answer means, the schedule, Retry-After."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from federation.delivery import retry
from federation.delivery.retry import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    MIN_SPAN,
    SCHEDULE,
    GiveUp,
    Retry,
    backoff,
    decide,
    parse_retry_after,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def low() -> float:
    return 0.0


def high() -> float:
    return 0.999999


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, Retry),  # network error or timeout
        (401, Retry),  # after double-knocking: usually "could not fetch your key just now"
        (408, Retry),
        (425, Retry),
        (429, Retry),
        (500, Retry),
        (502, Retry),
        (503, Retry),
        (504, Retry),
        (520, Retry),
        (301, GiveUp),  # deliveries never follow redirects
        (308, GiveUp),
        (400, GiveUp),
        (403, GiveUp),
        (404, GiveUp),
        (405, GiveUp),
        (410, GiveUp),
        (413, GiveUp),
        (415, GiveUp),
        (422, GiveUp),
        (451, GiveUp),
    ],
)
def test_each_answer_is_retried_or_given_up_at_once(status: int | None, expected: type) -> None:
    assert isinstance(decide(1, status, None, NOW, rand=low), expected)


@pytest.mark.parametrize("status", [200, 202, 204])
def test_a_success_is_not_a_failure_to_decide_on(status: int) -> None:
    with pytest.raises(ValueError, match="success"):
        decide(1, status, None, NOW)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        decide(0, 503, None, NOW)


@pytest.mark.parametrize(
    ("attempt", "nominal"),
    [
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (5, timedelta(minutes=8)),
        (8, timedelta(minutes=64)),
        (10, timedelta(minutes=256)),
        (11, timedelta(hours=6)),
        (21, timedelta(hours=6)),
    ],
)
def test_backoff_doubles_to_a_cap_and_jitter_only_lengthens(
    attempt: int, nominal: timedelta
) -> None:
    assert backoff(attempt, low) == nominal
    assert nominal < backoff(attempt, high) < nominal * (1 + retry.JITTER)
    decision = decide(attempt, 503, None, NOW, rand=low)
    assert decision == Retry(NOW + nominal, f"HTTP 503; retry {attempt}")


def test_retries_span_at_least_72_hours_then_give_up() -> None:
    assert sum(SCHEDULE, timedelta()) >= MIN_SPAN == timedelta(hours=72)
    assert sum(SCHEDULE[:-1], timedelta()) < MIN_SPAN  # and not much longer
    at = NOW
    for attempt in range(1, MAX_ATTEMPTS):
        decision = decide(attempt, None, None, at, rand=low)
        assert isinstance(decision, Retry)
        at = decision.at
    assert at - NOW >= timedelta(hours=72)
    assert decide(MAX_ATTEMPTS, None, None, at) == GiveUp(
        f"network error; gave up after {MAX_ATTEMPTS} attempts"
    )


def test_the_schedule_in_the_docstring_is_the_real_one() -> None:
    documented = re.findall(r"retry +(\d+): +([\d.]+) (s|min|h) ", retry.__doc__ or "")
    unit = {"s": 1, "min": 60, "h": 3600}
    delays = {int(n): timedelta(seconds=float(v) * unit[u]) for n, v, u in documented}
    assert delays == dict(enumerate(SCHEDULE, start=1))
    assert f"{MAX_ATTEMPTS} attempts" in (retry.__doc__ or "")


def test_a_throttled_attempt_never_gives_up() -> None:
    decision = decide(MAX_ATTEMPTS + 5, 429, "1", NOW)
    assert decision == Retry(NOW + timedelta(seconds=1), "HTTP 429; Retry-After honoured", True)
    assert isinstance(decide(MAX_ATTEMPTS, 503, "1", NOW), GiveUp)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        (" 0 ", NOW),
        ("86400", NOW + MAX_RETRY_AFTER),  # capped
        ("999999999999999999", NOW + MAX_RETRY_AFTER),
        ("Sat, 21 Nov 2026 12:05:00 GMT", NOW + timedelta(minutes=5)),
        ("Sat, 21 Nov 2026 11:00:00 GMT", NOW),  # in the past: now
        ("Sun, 22 Nov 2026 12:00:00 GMT", NOW + MAX_RETRY_AFTER),
        ("Sat, 21 Nov 2026 12:05:00 -0000", NOW + timedelta(minutes=5)),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date_clamped(
    value: str | None, expected: datetime | None
) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("status", "retry_after", "at"),
    [
        (503, "120", NOW + timedelta(seconds=120)),
        (429, "Sat, 21 Nov 2026 12:01:00 GMT", NOW + timedelta(minutes=1)),
        (503, "garbage", NOW + timedelta(seconds=30)),  # unparseable: the backoff
    ],
)
def test_retry_after_wins_over_the_backoff(status: int, retry_after: str, at: datetime) -> None:
    decision = decide(1, status, retry_after, NOW, rand=low)
    assert isinstance(decision, Retry)
    assert decision.at == at


def test_retry_after_does_not_revive_a_permanent_refusal() -> None:
    assert decide(1, 410, "1", NOW) == GiveUp("HTTP 410 is permanent")
