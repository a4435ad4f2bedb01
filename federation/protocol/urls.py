"""The ActivityPub endpoints of local actors, derived from their canonical URIs.

Actors are addressed by ``node.site`` URIs; their inboxes, outboxes and
collections hang below them. Deriving (rather than storing) them keeps the
layout in one place.
"""

from __future__ import annotations


def inbox(actor_uri: str) -> str:
    return f"{actor_uri}/inbox"


def outbox(actor_uri: str) -> str:
    return f"{actor_uri}/outbox"


def followers(actor_uri: str) -> str:
    return f"{actor_uri}/followers"


def following(actor_uri: str) -> str:
    return f"{actor_uri}/following"


def moderators(actor_uri: str) -> str:
    return f"{actor_uri}/moderators"


def featured(actor_uri: str) -> str:
    return f"{actor_uri}/featured"


def shared_inbox(base_url: str) -> str:
    return f"{base_url}/inbox"


def instance_actor(base_url: str) -> str:
    return f"{base_url}/actor"


def activity(base_url: str, public_id: str) -> str:
    return f"{base_url}/activities/{public_id}"
