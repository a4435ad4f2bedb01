"""Password hashing with Argon2id.

Hashing is deliberately slow (tens of milliseconds), so it runs in a worker thread
rather than stalling the event loop. Tests hand in a cheap hasher; production uses
argon2-cffi's defaults (RFC 9106 low-memory profile) and rehashes on log-in when
those defaults change.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from node.handles import check_length

PASSWORD_MIN = 8
PASSWORD_MAX = 1024


def validate_password(password: str) -> str:
    return check_length(password, PASSWORD_MAX, "password", minimum=PASSWORD_MIN)


class Passwords:
    """Async facade over an argon2 ``PasswordHasher``."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
