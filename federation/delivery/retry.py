"""When to try a failed delivery again, as one pure function.

Design note: ``decide(attempt, status, retry_after, now)`` is the whole policy;
it reads no clock and touches no database, so it is tested as a table. The
worker owns the per-host breaker and the "unreachable after 7 days" rule
(``federation.delivery.destinations``); this module only judges one request.

* ``status`` is the HTTP status of the final answer (after double-knocking) or
  ``None`` for a network error or timeout.
* Permanent refusals (most 4xx, and 3xx: deliveries never follow redirects)
  give up at once: a 410 will not turn into a 202 by asking again.
* 401 is retried: the signature was already double-knocked by then, so a 401
  usually means the peer could not fetch our key just now (Mastodon retries it
  too). 408, 425, 429, 5xx and network errors are retried.
* ``Retry-After`` (seconds or an HTTP-date) wins over the backoff, capped at
  ``MAX_RETRY_AFTER``. A 429 is ``throttled``: the worker does not count the
  attempt, so a peer that paces us can never make us give up.
* Backoff doubles from 30 s up to 6 h; jitter only *lengthens* a delay (by up
  to 25 %), so the nominal schedule below is a lower bound and retries span at
  least ``MIN_SPAN`` (72 h) before ``GiveUp``.

Nominal schedule (delay before retry *n*, cumulative time since the first try)::

    retry  1:  30 s   (0.5 min)     retry 12:  6 h   (20.5 h)
    retry  2:   1 min (1.5 min)     retry 13:  6 h   (26.5 h)
    retry  3:   2 min (3.5 min)     retry 14:  6 h   (32.5 h)
    retry  4:   4 min (7.5 min)     retry 15:  6 h   (38.5 h)
    retry  5:   8 min (15.5 min)    retry 16:  6 h   (44.5 h)
    retry  6:  16 min (31.5 min)    retry 17:  6 h   (50.5 h)
    retry  7:  32 min (1.1 h)       retry 18:  6 h   (56.5 h)
    retry  8:  64 min (2.1 h)       retry 19:  6 h   (62.5 h)
    retry  9: 128 min (4.3 h)       retry 20:  6 h   (68.5 h)
    retry 10: 256 min (8.5 h)       retry 21:  6 h   (74.5 h)
    retry 11:   6 h   (14.5 h)      then give up: 22 attempts over 74.5-93 h

For comparison (shared/BENCHMARKS.md): Mastodon retries 16 times over about
50-75 h; Lemmy retries without limit until the node has been unreachable for
3 days; Takahe every 10 min for 3 days; Misskey about 32 h; Fedify's default
about 30 min. Early retries are dense so a brief blip costs seconds, later ones
sparse so a dead node costs little; a node that comes back is caught up at once
by the breaker's success path, not by waiting out these delays.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
JITTER = 0.25  # a delay is stretched by a random factor in [1, 1 + JITTER)
MIN_SPAN = timedelta(hours=72)
MAX_RETRY_AFTER = timedelta(hours=6)

# 1xx/3xx are refused too: an inbox that redirects a POST is misconfigured for us.
RETRYABLE_STATUSES = frozenset({401, 408, 425, 429})
THROTTLED_STATUSES = frozenset({429})


def _schedule() -> tuple[timedelta, ...]:
    delays: list[timedelta] = []
    while sum(delays, timedelta()) < MIN_SPAN:
        delays.append(min(FIRST_DELAY * 2 ** len(delays), MAX_DELAY))
    return tuple(delays)


SCHEDULE = _schedule()  # nominal delay before retry 1, 2, ...
MAX_ATTEMPTS = len(SCHEDULE) + 1  # the first try plus every scheduled retry


@dataclass(frozen=True)
class Retry:
    """Try again at ``at``; ``throttled`` attempts are not counted against the limit."""

    at: datetime
    reason: str
    throttled: bool = False


@dataclass(frozen=True)
class GiveUp:
    """Stop: the delivery is failed for good."""

    reason: str


def decide(
    attempt: int,
    status: int | None,
    retry_after: str | None,
    now: datetime,
    *,
    rand: Callable[[], float] = random.random,
) -> Retry | GiveUp:
    """What to do after counted attempt number ``attempt`` (1 = the first) has failed."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if status is not None and 200 <= status < 300:
        raise ValueError(f"HTTP {status} is a success, not a failure to decide on")
    if status is not None and not is_retryable(status):
        return GiveUp(f"HTTP {status} is permanent")
    what = "network error" if status is None else f"HTTP {status}"
    throttled = status in THROTTLED_STATUSES
    if attempt >= MAX_ATTEMPTS and not throttled:
        return GiveUp(f"{what}; gave up after {attempt} attempts")
    asked = parse_retry_after(retry_after, now)
    if asked is not None:
        return Retry(asked, f"{what}; Retry-After honoured", throttled)
    return Retry(now + backoff(attempt, rand), f"{what}; retry {attempt}", throttled)


def is_retryable(status: int) -> bool:
    """Whether a failed request with this HTTP status may succeed if sent again."""
    return status in RETRYABLE_STATUSES or status >= 500


def backoff(attempt: int, rand: Callable[[], float] = random.random) -> timedelta:
    """The jittered delay after failed attempt ``attempt`` (never below the nominal one)."""
    nominal = SCHEDULE[min(attempt, len(SCHEDULE)) - 1]
    return nominal * (1 + JITTER * rand())


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """When a ``Retry-After`` value (delta-seconds or HTTP-date) asks us to come back.

    Clamped to ``[now, now + MAX_RETRY_AFTER]``; None when absent or unparseable.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        delay = timedelta(seconds=int(text)) if len(text) < 12 else MAX_RETRY_AFTER
        return now + min(delay, MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse naive; HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return min(max(when, now), now + MAX_RETRY_AFTER)
