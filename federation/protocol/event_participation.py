"""Our member's participation in an Event elsewhere, as Mobilizon reads it.

Mobilizon's shapes: a ``Join`` whose object is the Event, answered by an ``Accept`` or
``Reject`` naming the Join (by id, or embedded); a ``Leave`` whose object is the Event.
The Join and Leave are addressed to the group that holds the Event; nothing is public.
"""

from __future__ import annotations

from typing import Any


def join(uri: str, member: str, event: str, group: str) -> dict[str, Any]:
    """Our member asks to come to ``event``, a meeting of ``group``."""
    return {"id": uri, "type": "Join", "actor": member, "object": event, "to": [group]}


def leave(uri: str, member: str, event: str, group: str) -> dict[str, Any]:
    """Our member will not come to ``event`` after all (or no longer)."""
    return {"id": uri, "type": "Leave", "actor": member, "object": event, "to": [group]}
