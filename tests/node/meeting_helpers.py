"""Builders shared by the meeting tests: a group with a moderator and members, a meeting,
and what each member was told."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from node.kinds import NotificationKind
from node.meetings import scheduling
from node.meetings.views import MeetingView
from node.storage.models.notifications import Notification
from node.views import Viewer
from tests.node.factories import Node

# A Thursday, before the clocks go forward in Berlin (28 March 2027).
THURSDAY = datetime(2027, 3, 18, 19, 0)
BASE = scheduling.MeetingInput(
    title="Thursday circle",
    starts_local=THURSDAY,
    time_zone="Europe/Berlin",
    duration_minutes=90,
    description="We **meet** and talk.",
    online_url="https://meet.example/circle-room",
    place="",
)


async def circle(node: Node, *members: str, **options: Any) -> tuple[Viewer, list[Viewer]]:
    """``mod`` owns the group ``circle``; each of ``members`` joins it."""
    mod = await node.member("mod")
    await node.group(mod, "circle", **options)
    joined = []
    for handle in members:
        viewer = await node.member(handle)
        await node.join(viewer, "circle")
        joined.append(viewer)
    return mod, joined


async def schedule(node: Node, mod: Viewer, **changes: Any) -> MeetingView:
    given = replace(BASE, **changes)
    return await node.run(
        lambda s: scheduling.schedule_meeting(s, node.site, mod, "circle", given, now=node.now)
    )


async def told(node: Node, viewer: Viewer, kind: NotificationKind) -> int:
    """How many notifications of ``kind`` the member has."""
    async with node.sessions() as session:
        rows = await session.scalars(
            select(Notification.id).where(
                Notification.recipient_id == viewer.actor_id, Notification.kind == kind
            )
        )
        return len(list(rows))
