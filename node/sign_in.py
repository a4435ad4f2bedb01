"""Signing in with a password, slowed down after wrong guesses: one service for the
pages and the JSON API.

Design note. A few wrong passwords, then a pause: after ``MAX_FAILURES`` refusals
within ``WINDOW``, counted per username and per visitor address, every attempt
under either is turned away until the oldest counted refusal leaves the window,
even with the right password (guessing gets no faster by being lucky). Counting
per username too keeps the limit useful when many visitors share one address, or
when the address is only a proxy's (``web/client_address.py``).

The counts live in the database (``sign_in_failures``), not in a process's
memory: a node may run several web processes, and the pages and the API must be
one door, not two. Each key is stored only as an HMAC under the node's secret,
with the time of the refusal; rows past the window are purged whenever a new one
is written, so the table holds about one window of failures. A sign-in is rare, so
the check is one indexed query and a refusal two small writes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import accounts
from node.errors import AuthenticationFailed, PermissionDenied
from node.handles import handle_key
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import SignInFailure
from node.views import AccountView

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Throttle:
    """How sign-ins are slowed: at most ``max_failures`` refusals per key in ``window``.
    ``secret`` keys the HMAC under which usernames and addresses are stored."""

    secret: str
    max_failures: int = MAX_FAILURES
    window: timedelta = WINDOW

    def keys(self, handle: str, address: str | None) -> list[str]:
        """What an attempt is counted under: its username first, then its address."""
        names = [f"user:{handle_key(handle.strip())}"]
        if address:
            names.append(f"address:{address}")
        secret = self.secret.encode()
        return [
            hmac.new(secret, f"sign-in/{name}".encode(), hashlib.sha256).hexdigest()
            for name in names
        ]


@dataclass(frozen=True)
class SignedIn:
    account: AccountView
    token: str


@dataclass(frozen=True)
class Refused:
    """A wrong password or an unknown name (``AuthenticationFailed``), or a suspended
    account (``PermissionDenied``); either way the attempt was counted."""

    error: AuthenticationFailed | PermissionDenied


@dataclass(frozen=True)
class Throttled:
    """Too many refusals lately: nothing was checked; try again after ``wait``."""

    wait: timedelta


async def sign_in(
    session: AsyncSession,
    site: Site,
    passwords: Passwords,
    throttle: Throttle,
    *,
    handle: str,
    password: str,
    address: str | None,
    now: datetime,
) -> SignedIn | Refused | Throttled:
    """Exchange a password for a new token, unless the username or the address has
    been refused too often lately. The caller commits whatever the outcome: a
    refusal is written down too."""
    keys = throttle.keys(handle, address)
    wait = await throttled_for(session, throttle, keys, now)
    if wait is not None:
        return Throttled(wait)
    try:
        account = await accounts.authenticate(
            session, site, passwords, handle=handle.strip(), password=password
        )
    except (AuthenticationFailed, PermissionDenied) as error:
        await _count_failure(session, throttle, keys, now)
        return Refused(error)
    # The member's own count starts again; the address's does not: one success of an
    # account of one's own must not buy more guesses at everyone else's.
    await session.execute(delete(SignInFailure).where(SignInFailure.key_hash == keys[0]))
    token = await accounts.issue_token(session, account.id, now=now)
    return SignedIn(account, token)


async def throttled_for(
    session: AsyncSession, throttle: Throttle, keys: list[str], now: datetime
) -> timedelta | None:
    """How long until another attempt under ``keys`` is allowed, or None if it is now."""
    rows = await session.execute(
        select(SignInFailure.key_hash, SignInFailure.failed_at).where(
            SignInFailure.key_hash.in_(keys), SignInFailure.failed_at > now - throttle.window
        )
    )
    times: defaultdict[str, list[datetime]] = defaultdict(list)
    for key, failed_at in rows:
        times[key].append(failed_at)
    longest: timedelta | None = None
    for recent in times.values():
        if len(recent) >= throttle.max_failures:
            # Allowed again once fewer than max_failures remain in the window.
            recent.sort()
            remaining = recent[len(recent) - throttle.max_failures] + throttle.window - now
            longest = remaining if longest is None else max(longest, remaining)
    return longest


async def _count_failure(
    session: AsyncSession, throttle: Throttle, keys: list[str], now: datetime
) -> None:
    session.add_all(SignInFailure(key_hash=key, failed_at=now) for key in keys)
    await session.execute(
        delete(SignInFailure).where(SignInFailure.failed_at <= now - throttle.window)
    )
