"""The activities we send, in the shapes our peers read: pure functions of the facts.

Each builder takes ids and URIs (the caller mints the ids) and returns the activity
without ``@context``: activities nest (a group's ``Announce`` carries its member's
``Create``), and only the outermost carries one, added by ``vocab.with_context`` as it
leaves. Where a group's activity may go, public or to its members only, is decided in
one place, ``group_addressing``.
"""

from __future__ import annotations

from typing import Any

from federation.protocol import urls
from federation.protocol.vocab import PUBLIC


def group_addressing(group: str, *, public: bool) -> dict[str, list[str]]:
    """How a group's posts and acts are addressed: a public group's to the public too, a
    private group's to the group and its followers (its members) only."""
    return {"to": [group, PUBLIC] if public else [group], "cc": [urls.followers(group)]}


def _activity(uri: str, kind: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {"id": uri, "type": kind, "actor": actor, "object": obj, **extra}


# --- posts --------------------------------------------------------------------------------


def tombstone(uri: str) -> dict[str, Any]:
    """What a deletion carries of the post it deletes."""
    return {"id": uri, "type": "Tombstone"}


def post_activity(
    uri: str, kind: str, author: str, document: dict[str, Any], *, group: str, public: bool
) -> dict[str, Any]:
    """An author's ``Create``, ``Update`` or ``Delete`` of a post in ``group``."""
    return _activity(
        uri, kind, author, document, audience=group, **group_addressing(group, public=public)
    )


def announce(uri: str, group: str, activity: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """A group shares ``activity`` with its members' nodes (FEP-1b12)."""
    return _activity(
        uri, "Announce", group, activity, audience=group, **group_addressing(group, public=public)
    )
