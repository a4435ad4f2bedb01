"""Kind messages: what a member is told when someone in a community is worried about them.

A message names the group it came from (if any) and offers the resources of the group
and the node; it never says who was worried, nor what they wrote (the row holds
neither). The member reads their messages on a page of their own and in the API; a calm
notice on their pages says when one is unread, and a notification (naming no one) that
one came.
While one about a group is still unread, another about it adds nothing: a member many
people are worried about is not sent a pile of messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.crisis.choosing import CrisisResource
from node.errors import NotFound
from node.ids import new_public_id
from node.kinds import NotificationKind
from node.notifications.recording import notify
from node.reports.care_resources import resources_for_member
from node.storage.models.actors import Actor
from node.storage.models.care import CareMessage
from node.storage.models.groups import Group
from node.views import ActorRef, Viewer

# The newest messages a member sees; older ones have long been read.
SHOWN_MAX = 50


@dataclass(frozen=True)
class CareMessageView:
    public_id: str
    # The group whose community sent it; None: this node's.
    group: ActorRef | None
    resources: tuple[CrisisResource, ...]
    created_at: datetime
    read_at: datetime | None


async def send_kind_message(
    session: AsyncSession, *, member_id: int, group_id: int | None, now: datetime
) -> bool:
    """Leave member ``member_id`` (of this node) a kind message about group ``group_id``;
    False when one about it is still unread."""
    waiting = await session.scalar(
        select(CareMessage.id).where(
            CareMessage.member_id == member_id,
            CareMessage.read_at.is_(None),
            CareMessage.group_id.is_(None)
            if group_id is None
            else CareMessage.group_id == group_id,
        )
    )
    if waiting is not None:
        return False
    session.add(
        CareMessage(
            public_id=new_public_id(now), member_id=member_id, group_id=group_id, created_at=now
        )
    )
    await session.flush()
    await notify(
        session, member_id, NotificationKind.CARE_MESSAGE, named=False, group_id=group_id, now=now
    )
    return True


def unread_query(viewer: Viewer) -> Select[int]:
    """The count of ``viewer``'s unread kind messages, as a query (``node.unread`` asks
    it beside the other counts every signed-in page shows)."""
    return select(func.count(CareMessage.id)).where(
        CareMessage.member_id == viewer.actor_id, CareMessage.read_at.is_(None)
    )


async def list_messages(session: AsyncSession, viewer: Viewer) -> list[CareMessageView]:
    """``viewer``'s kind messages, newest first, each with its resources."""
    rows = list(
        await session.scalars(
            select(CareMessage)
            .where(CareMessage.member_id == viewer.actor_id)
            .order_by(CareMessage.created_at.desc(), CareMessage.id.desc())
            .limit(SHOWN_MAX)
        )
    )
    return [await _view(session, viewer, row) for row in rows]


async def mark_read(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> CareMessageView:
    """``viewer`` has read their message ``public_id`` (someone else's answers as missing)."""
    row = await session.scalar(
        select(CareMessage).where(
            CareMessage.public_id == public_id, CareMessage.member_id == viewer.actor_id
        )
    )
    if row is None:
        raise NotFound("no such message")
    if row.read_at is None:
        row.read_at = now
        await session.flush()
    return await _view(session, viewer, row)


async def _view(session: AsyncSession, viewer: Viewer, row: CareMessage) -> CareMessageView:
    group = None
    if row.group_id is not None:
        group_row = await session.get(Group, row.group_id)
        if group_row is not None:
            group = actor_ref(await session.get_one(Actor, group_row.actor_id))
    return CareMessageView(
        public_id=row.public_id,
        group=group,
        resources=await resources_for_member(session, group_id=row.group_id, viewer=viewer),
        created_at=row.created_at,
        read_at=row.read_at,
    )
