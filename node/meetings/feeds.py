"""What each calendar feed holds: a public group's meetings as anyone sees them, and a
member's own meetings with the details they are entitled to.

Both keep a cancelled or ended series for a month, so calendar apps that already hold
it see it cancelled rather than silently gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import NotFound
from node.groups.loading import load_group
from node.kinds import Attendance, Visibility
from node.meetings.access import load_meeting, record_for
from node.meetings.reading import meeting_view
from node.meetings.views import MeetingView
from node.site import Site
from node.storage.models.meetings import Meeting, MeetingParticipation
from node.views import Viewer

KEPT = timedelta(days=30)


def _current(now: datetime) -> ColumnElement[bool]:
    return or_(Meeting.last_end_at.is_(None), Meeting.last_end_at > now - KEPT)


async def public_group_feed(
    session: AsyncSession, site: Site, acct: str, *, now: datetime
) -> list[MeetingView]:
    """A public group's meetings as a signed-out visitor sees them; a private group has
    no public feed."""
    group = await load_group(session, site, None, acct)
    if group.group.visibility is not Visibility.PUBLIC or not group.actor.local:
        raise NotFound(f"no group called {acct!r} here")
    meetings = await session.scalars(
        select(Meeting)
        .where(Meeting.group_id == group.group.id, _current(now))
        .order_by(Meeting.id)
    )
    return [
        await meeting_view(session, await record_for(session, meeting, group, None))
        for meeting in list(meetings)
    ]


async def member_feed(session: AsyncSession, viewer: Viewer, *, now: datetime) -> list[MeetingView]:
    """The meetings the member is going to, with the details they may see."""
    public_ids = await session.scalars(
        select(Meeting.public_id)
        .join(MeetingParticipation, MeetingParticipation.meeting_id == Meeting.id)
        .where(
            MeetingParticipation.actor_id == viewer.actor_id,
            MeetingParticipation.state == Attendance.GOING,
            _current(now),
        )
        .order_by(Meeting.id)
    )
    views = []
    for public_id in list(public_ids):
        try:
            views.append(
                await meeting_view(session, await load_meeting(session, viewer, public_id))
            )
        except NotFound:
            continue  # no longer a member of the private group it belongs to
    return views
