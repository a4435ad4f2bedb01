"""Domain errors.

Services raise these; ``web`` turns each class into one HTTP status in one place,
and the CLI into one exit code. ``code`` is a stable machine-readable name that
clients may switch on; ``message`` is written for a person.
"""

from __future__ import annotations

from datetime import timedelta


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class Gone(NotFound):
    """Not here any more, for good: a member of this node deleted their account."""

    code = "gone"


class PermissionDenied(DomainError):
    code = "forbidden"


class AuthenticationFailed(DomainError):
    code = "unauthenticated"


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    """A value is well-formed but not acceptable (too long, reserved, unknown, …)."""

    code = "invalid"


class TooManyAttempts(DomainError):
    """Refused for now, not for good: asked too often lately (wrong passwords)."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after
