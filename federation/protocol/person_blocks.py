"""A person's ``Block`` of another person, and its ``Undo``, as Mastodon sends them.

Sent by our member to the blocked person's server (so it can stop them there too,
and tell them if it does so), and read from other servers' users blocking one of
ours. Unlike a group's ban (``activities.block``, Lemmy's, with the group as
``target``), it has no ``target``: that is how the two are told apart on arrival.
"""

from __future__ import annotations

from typing import Any


def block(uri: str, actor: str, blocked: str) -> dict[str, Any]:
    """``actor`` blocks ``blocked``."""
    return {"id": uri, "type": "Block", "actor": actor, "object": blocked, "to": [blocked]}


def undo(uri: str, actor: str, blocked: str, *, block_uri: str) -> dict[str, Any]:
    """``actor`` lifts its block of ``blocked``: the ``Undo`` of that ``Block``, embedded
    with its id (as Mastodon matches it)."""
    return {
        "id": uri,
        "type": "Undo",
        "actor": actor,
        "object": block(block_uri, actor, blocked),
        "to": [blocked],
    }
