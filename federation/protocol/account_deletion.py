"""The ``Delete`` of one of our members' own actor, when they delete their account.

Mastodon's shape (``DeleteActorSerializer``): the actor deletes itself, by URI, public,
with the id ``<actor>#delete``; Lemmy sends the same with a ``removeData`` flag, which
we do not need: every Kinfolk receiver wipes the account's content on it.
"""

from __future__ import annotations

from typing import Any

from federation.protocol.vocab import PUBLIC


def actor_tombstone(actor_uri: str) -> dict[str, Any]:
    """What a deleted member's actor URL answers, with 410 (as Mastodon's and Lemmy's do)."""
    return {"id": actor_uri, "type": "Tombstone", "formerType": "Person"}


def actor_deletion(actor_uri: str) -> dict[str, Any]:
    """``actor_uri`` deletes itself (signed with its own key, sent before it is dropped)."""
    return {
        "id": f"{actor_uri}#delete",
        "type": "Delete",
        "actor": actor_uri,
        "to": [PUBLIC],
        "object": actor_uri,
    }
