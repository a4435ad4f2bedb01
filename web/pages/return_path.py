"""Where a page may send the browser back to: a path on this node, or the fallback.

Several pages take their return address from the visitor (the language switch's
and the sign-in form's ``next``, the moderation forms' ``back``), and a link
anyone can craft must not turn them into a redirect to another site. Browsers
are generous readers of ``Location``: ``/\\evil.example`` and ``/\\/evil.example``
are read as ``//evil.example`` (another host), tabs and newlines anywhere in a
URL are dropped (``/<TAB>/evil.example``), and a proxy or a second redirect may
decode the path once more (``/%5Cevil.example``, ``/%252F…``). So the path is
judged after percent-decoding it until nothing changes: it must begin with
exactly one ``/``, have no ``.`` or ``..`` segment (``/..//evil.example``
resolves to ``//evil.example``), and hold no backslash, no control character
and no whitespace. The query is judged as sent (no backslash, control character or
whitespace either): it cannot change where the browser goes, and a search kept
in it may hold encoded spaces. The fragment is dropped.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote

# Enough for any honest address (ours are encoded once); more layers is an attack.
_MAX_DECODINGS = 4
# Characters kept as they are when the address is written back: ASCII that means
# something in a URL, and "%" so existing escapes stay escaped.
_KEEP = "/?&=%:@!$'()*+,;~-._"


def local_path(target: str | None, fallback: str = "/") -> str:
    """``target`` if it is a path on this node, else ``fallback``: never an open redirect."""
    if not target:
        return fallback
    path, mark, query = target.partition("#")[0].partition("?")
    decoded = _fully_decoded(path)
    if (
        decoded is None
        or not decoded.startswith("/")
        or decoded.startswith("//")
        or {".", ".."} & set(decoded.split("/"))
        or not _plain(decoded)
        or not _plain(query)
    ):
        return fallback
    return quote(path + mark + query, safe=_KEEP)


def _fully_decoded(text: str) -> str | None:
    """``text`` percent-decoded until decoding changes nothing (None: too many layers)."""
    for _ in range(_MAX_DECODINGS + 1):
        decoded = unquote(text)
        if decoded == text:
            return decoded
        text = decoded
    return None


def _plain(text: str) -> bool:
    """No backslash, control or format character, or whitespace of any script."""
    return "\\" not in text and not any(
        unicodedata.category(char)[0] in {"C", "Z"} for char in text
    )
