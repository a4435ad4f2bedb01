"""Sign-in rate limiting: a few wrong passwords, then a pause.

Failures are counted per username and per client address in a sliding window, in
memory: enough to make guessing slow on one node process. Behind a reverse
proxy the address is the visitor's only if the proxy is in
``KINFOLK_TRUSTED_PROXIES`` (``web/client_address.py``); counting per username
too keeps the limit useful even when it is not.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class SignInThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW) -> None:
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def wait(self, keys: list[str], now: datetime) -> timedelta | None:
        """How long until another attempt is allowed, or None if it is allowed now."""
        longest: timedelta | None = None
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self._max:
                remaining = times[0] + self._window - now
                longest = remaining if longest is None else max(longest, remaining)
        return longest

    def failed(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self._failures.pop(key, None)
