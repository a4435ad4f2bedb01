"""Opaque keyset cursors.

Lists are paged by the sort key of the last item seen, not by offset, so a page
stays correct while new posts arrive and deep pages cost the same as the first.
The cursor is that key, JSON-encoded and base64url'd; clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from node.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Integer parts of cursors are row ids, INTEGER columns (32 bits on PostgreSQL): a larger
# value is not one we issued, and the database would refuse it with an error.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(*key: str | int | datetime) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> tuple[object, ...]:
    """Decode a cursor whose parts have ``types``; anything else is ``InvalidInput``."""
    bad = InvalidInput("this cursor is not one we issued", field="cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise bad from None
    if not isinstance(parts, list) or len(parts) != len(types):
        raise bad
    decoded: list[object] = []
    for part, kind in zip(parts, types, strict=True):
        if kind is datetime and isinstance(part, str):
            try:
                moment = datetime.fromisoformat(part)
                if moment.tzinfo is None:  # we issue UTC times; a naive one is forged
                    raise bad
                decoded.append(moment.astimezone(UTC))
            except (ValueError, OverflowError):
                raise bad from None
        elif (
            kind is int
            and isinstance(part, int)
            and not isinstance(part, bool)
            and _INT_MIN <= part <= _INT_MAX
        ) or (kind is str and isinstance(part, str) and "\x00" not in part):
            decoded.append(part)
        else:
            raise bad
    return tuple(decoded)


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit
