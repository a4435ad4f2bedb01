"""Handles: the ``name`` in ``@name@domain`` for members and groups alike.

Members and groups share one namespace per domain, so a WebFinger lookup of
``acct:name@domain`` is never ambiguous. Letters, digits, ``_`` and ``-`` (as in
``grief-circle``) are allowed; the comparison ignores case, as WebFinger's does.
"""

from __future__ import annotations

import re

from node.errors import InvalidInput

HANDLE_MAX = 30
_HANDLE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,28}[A-Za-z0-9_])?")

# Names that would confuse people or collide with the node's own URLs and actors.
RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "about",
        "actor",
        "inbox",
        "instance",
        "kinfolk",
        "moderator",
        "moderators",
        "node",
        "root",
        "staff",
        "system",
        "support-team",
        "well-known",
        "www",
    }
)


def handle_key(handle: str) -> str:
    """The case-folded form under which handles are unique."""
    return handle.casefold()


def validate_handle(handle: str, *, field: str = "handle") -> str:
    if not _HANDLE.fullmatch(handle):
        raise InvalidInput(
            f"use 1 to {HANDLE_MAX} letters, digits, '_' or '-', starting with a letter or "
            "digit and not ending with '-'",
            field=field,
        )
    if handle_key(handle) in RESERVED:
        raise InvalidInput(f"{handle!r} is reserved on this node", field=field)
    return handle


def check_length(value: str, maximum: int, field: str, *, minimum: int = 0) -> str:
    """Refuse a text that is too long (or too short) with a message naming the field."""
    if len(value) > maximum:
        raise InvalidInput(f"at most {maximum} characters, got {len(value)}", field=field)
    if len(value) < minimum:
        raise InvalidInput(f"at least {minimum} characters", field=field)
    return value
