"""Public ids for posts: time-ordered, unguessable, URL-safe; and the bound of row ids.

A ULID-style id (48-bit millisecond time + 80 random bits, Crockford base32)
sorts by creation time like a sequence but reveals neither how many posts a
node holds nor the neighbours of a private post.
"""

from __future__ import annotations

import secrets
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Row ids are INTEGER columns: a larger number is no id this node gave out (and
# PostgreSQL refuses to compare one with the column).
ROW_ID_MAX = 2**31 - 1


def new_public_id(now: datetime) -> str:
    value = (int(now.timestamp() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))
