"""Expanding our documents as a JSON-LD processor (Fedify) does, with PyLD.

The contexts come from the copies cached in the shared fixtures, and any other URL
is refused: a test never reaches the network.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from tests.shared_fixtures import cached_context


def load(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """PyLD's document loader: the cached contexts, and no other URL."""
    return {"contextUrl": None, "documentUrl": url, "document": cached_context(url)}


def expand(document: dict[str, Any]) -> dict[str, Any]:
    """The one node ``document`` describes, expanded as a JSON-LD processor reads it."""
    (node,) = expand_all(document)
    assert isinstance(node, dict)
    return node


def undefined_terms(expanded: Any) -> set[str]:
    """Properties and types the context left undefined (blank-node IRIs), at any depth."""
    found: set[str] = set()
    if isinstance(expanded, list):
        for item in expanded:
            found |= undefined_terms(item)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key.startswith("_:"):
                found.add(key)
            if key == "@type":
                found |= {kind for kind in value if isinstance(kind, str) and kind.startswith("_:")}
            found |= undefined_terms(value)
    return found


def expand_all(document: dict[str, Any]) -> list[Any]:
    """``document`` expanded whole."""
    expanded: list[Any] = jsonld.expand(document, {"documentLoader": load})
    return expanded
