"""Anonymous posts into a Kinfolk group on another node: the token and the shapes.

The writer's node sends the post on the member's behalf as its instance actor, with an
opaque token per writer and group (``kinfolk:anonymousToken``): the group's node numbers
the writer in a thread by it and can ban it, without learning who it is. The token is
an HMAC under a secret only the writer's node has (derived from its instance actor's
private key), of the member's account and the group's URI, so it is the same for every
post of one member in one group and differs from group to group. It is written as a
URN, so that a ban (a ``Block`` whose object is the token) names it as an id.
FEDERATION.md, "Anonymous posts in a group on another node", documents the shapes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

from federation.protocol import urls

URN_PREFIX = "urn:kinfolk:anonymous:"


def writer_token(secret: bytes, account_id: int, group_uri: str) -> str:
    """The token of ``account_id``'s anonymous posts in the group ``group_uri``."""
    key = hashlib.sha256(b"kinfolk/anonymous-token\0" + secret).digest()
    message = f"{account_id}\0{group_uri}".encode()
    return URN_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()


def is_token(value: str | None) -> bool:
    return value is not None and value.startswith(URN_PREFIX) and len(value) <= 128


def with_token(document: dict[str, Any], token: str) -> dict[str, Any]:
    """The post as the writer's node sends it to the group's: with its writer's token."""
    return {**document, "anonymousToken": token}


def instance_actor_of(uri: str) -> str:
    """The instance actor a Kinfolk node at ``uri``'s origin signs as."""
    parts = urlsplit(uri)
    return urls.instance_actor(f"{parts.scheme}://{parts.netloc}")


def writer_ban(uri: str, group: str, token: str, node_actor: str) -> dict[str, Any]:
    """A group's ban of an anonymous writer from another node, known by token only, to
    that node's instance actor (who alone knows whose the token is)."""
    return {
        "id": uri,
        "type": "Block",
        "actor": group,
        "object": token,
        "target": group,
        "to": [node_actor],
        "audience": group,
    }


def undo(uri: str, group: str, block: dict[str, Any], node_actor: str) -> dict[str, Any]:
    """A group's ``Undo`` of its ``Block`` of a writer's token: the ban is lifted."""
    return {
        "id": uri,
        "type": "Undo",
        "actor": group,
        "object": block,
        "to": [node_actor],
        "audience": group,
    }
