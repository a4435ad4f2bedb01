"""Moderators are people too: a moderator may step back from the queue for a while.

Until a date they choose, or until they come back, their queue is empty for them and
their co-moderators see that they are stepping back; nobody is notified. The work does
not wait for them: every report is seen by all of a group's moderators and by node
staff (``report_queue``), so the co-moderators (or, if there is nobody else, the
node's admins and moderators) look after it meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref
from node.errors import InvalidInput, PermissionDenied
from node.kinds import GroupRole, MembershipState
from node.reports.report_queue import moderated_group_ids, uses_queue
from node.storage.models.actors import Actor
from node.storage.models.care import SteppingBack
from node.storage.models.groups import Membership
from node.views import ActorRef, Viewer


@dataclass(frozen=True)
class SteppingBackView:
    moderator: ActorRef
    since: datetime
    # None: until they come back.
    until: datetime | None


def _active(now: datetime) -> ColumnElement[bool]:
    return or_(SteppingBack.until.is_(None), SteppingBack.until > now)


async def step_back(
    session: AsyncSession, viewer: Viewer, *, until: datetime | None, now: datetime
) -> SteppingBackView:
    """``viewer`` steps back from the queue until ``until`` (None: until they come back)."""
    if not await uses_queue(session, viewer):
        raise PermissionDenied("only moderators step back from the moderation queue")
    if until is not None and until <= now:
        raise InvalidInput("choose a day after today, or no day at all", field="until")
    row = await session.get(SteppingBack, viewer.actor_id)
    if row is None:
        row = SteppingBack(actor_id=viewer.actor_id, since=now)
        session.add(row)
    row.until = until
    await session.flush()
    me = actor_ref(await session.get_one(Actor, viewer.actor_id))
    return SteppingBackView(moderator=me, since=row.since, until=until)


async def come_back(session: AsyncSession, viewer: Viewer) -> None:
    """``viewer`` is back: their queue is theirs again."""
    await session.execute(delete(SteppingBack).where(SteppingBack.actor_id == viewer.actor_id))


async def stepping_back(
    session: AsyncSession, viewer: Viewer, *, now: datetime
) -> SteppingBackView | None:
    """Whether ``viewer`` is stepping back now (a date passed brings them back)."""
    row = await session.scalar(
        select(SteppingBack).where(SteppingBack.actor_id == viewer.actor_id, _active(now))
    )
    if row is None:
        return None
    me = actor_ref(await session.get_one(Actor, viewer.actor_id))
    return SteppingBackView(moderator=me, since=row.since, until=row.until)


async def co_moderators_stepping_back(
    session: AsyncSession, viewer: Viewer, *, now: datetime
) -> list[SteppingBackView]:
    """The moderators who share ``viewer``'s work and are stepping back: of the groups they
    moderate; for node staff, every one."""
    group_ids = await moderated_group_ids(session, viewer)
    sharing = select(Membership.member_id).where(
        Membership.group_id.in_(group_ids),
        Membership.state == MembershipState.APPROVED,
        Membership.role.in_([GroupRole.OWNER, GroupRole.MODERATOR]),
    )
    condition: ColumnElement[bool] = SteppingBack.actor_id.in_(sharing)
    if viewer.is_node_staff:  # they look after every group when nobody else can
        condition = true()
    rows = await session.execute(
        select(SteppingBack, Actor)
        .join(Actor, Actor.id == SteppingBack.actor_id)
        .where(condition, _active(now), SteppingBack.actor_id != viewer.actor_id)
        .order_by(Actor.handle_key)
    )
    return [
        SteppingBackView(moderator=actor_ref(actor), since=row.since, until=row.until)
        for row, actor in rows
    ]
