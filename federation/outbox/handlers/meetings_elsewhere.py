"""Our member and a meeting of a group elsewhere: the ``Join`` that asks to come, and the
``Leave`` that says they will not, sent to the group's inbox (where Mobilizon and Kinfolk
take them). The Join's id is kept on the RSVP, as its answer names it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import inbox_of
from federation.outbox.sending import new_activity_id, send
from federation.protocol import event_participation
from node.events import PendingEvent
from node.federated.actors import actor_by_id
from node.meetings.joining_elsewhere import join_to_send, leave_to_send, remember_join
from node.site import Site


async def send_join(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """Our member's request to come, while it is still asked for."""
    assert event.subject_id is not None
    join = await join_to_send(session, event.subject_id)
    if join is None:
        return  # taken back before it was sent: nothing to say
    inbox = await inbox_of(session, join.group_actor_id)
    if inbox is None:
        return
    member = await actor_by_id(session, join.member_id)
    group = await actor_by_id(session, join.group_actor_id)
    uri = new_activity_id(site, now)
    await remember_join(session, join.participation_id, uri)
    activity = event_participation.join(uri, member.uri, join.event_id, group.uri)
    await send(session, actor=member, activity=activity, inboxes=[inbox], object_uri=uri, now=now)


async def send_leave(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """Our member will not come after all."""
    assert event.subject_id is not None
    found = await leave_to_send(session, event.subject_id)
    if found is None:
        return
    event_id, group_actor_id = found
    inbox = await inbox_of(session, group_actor_id)
    if inbox is None:
        return
    member = await actor_by_id(session, event.actor_id)
    group = await actor_by_id(session, group_actor_id)
    activity = event_participation.leave(
        new_activity_id(site, now), member.uri, event_id, group.uri
    )
    await send(
        session, actor=member, activity=activity, inboxes=[inbox], object_uri=event_id, now=now
    )
