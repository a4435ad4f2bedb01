"""JSON read off the wire, with a cap on how deeply it may nest.

Python's parser recurses once per level of nesting, so ``[[[[…]]]]`` a few
thousand deep, a few kilobytes long, ends in ``RecursionError``; and a document
nested a few hundred deep still parses, only to make every later walk over it
(readers, sanitisers, re-serialising) pay for it. Real ActivityPub documents
nest a handful of levels (8 is the deepest of every captured payload in the
shared fixtures: an Announce of a Create of a Note with its tags), so anything
read from another server, or sent to the inbox or the API, is refused beyond
``MAX_DEPTH`` with ``TooDeep``.
"""

from __future__ import annotations

import json
from typing import Any

# Far above any real document, far below where the parser's recursion gives out.
MAX_DEPTH = 64


class TooDeep(ValueError):
    """The document nests deeper than ``MAX_DEPTH`` (a ``ValueError``, like bad JSON)."""

    def __init__(self) -> None:
        super().__init__(f"the JSON nests deeper than {MAX_DEPTH} levels")


def loads(raw: bytes | str) -> Any:
    """``json.loads``, refusing documents nested deeper than ``MAX_DEPTH`` (``TooDeep``);
    anything that is not JSON raises ``ValueError`` as ``json.loads`` does."""
    try:
        document = json.loads(raw)
    except RecursionError:
        raise TooDeep from None
    if depth_of(document) > MAX_DEPTH:
        raise TooDeep
    return document


def depth_of(document: Any) -> int:
    """How many objects and arrays deep ``document`` goes (a scalar is 0), walked
    without recursion, stopping as soon as it is known to be too deep."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest
