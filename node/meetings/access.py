"""Who may see and run a meeting, and loading one as a viewer may see it.

Seeing: a meeting is seen by whoever may read the group's content (anyone for a public
group, signed in or not, as its posts are; approved members only for a private one).
A meeting hidden from a viewer answers as a missing one. Running it (editing,
cancelling, moving an occurrence, accepting people) is for the group's moderators and
the meeting's facilitators, while they are approved members; scheduling a new one is
for the group's moderators. Saying one is coming is for approved members only. The place
and link, when kept for attendees, are seen by those going, facilitators and moderators.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.errors import NotFound, PermissionDenied
from node.groups.loading import GroupRecord, group_record
from node.kinds import Attendance
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.meetings import Meeting, MeetingFacilitator, MeetingParticipation
from node.views import Viewer


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting as services use it: its row, its group as the viewer sees it, and the
    viewer's standing."""

    meeting: Meeting
    group: GroupRecord
    viewer: Viewer | None
    facilitator: bool
    participation: MeetingParticipation | None

    @property
    def can_manage(self) -> bool:
        if self.meeting.ap_id is not None:
            return False  # a meeting elsewhere is run by its group's node
        membership = self.group.membership
        return permissions.is_group_moderator(membership) or (
            self.facilitator and permissions.is_approved(membership)
        )

    @property
    def sees_details(self) -> bool:
        going = self.participation is not None and self.participation.state is Attendance.GOING
        return not self.meeting.details_for_attendees or going or self.can_manage


async def load_meeting(
    session: AsyncSession, viewer: Viewer | None, public_id: str, *, for_update: bool = False
) -> MeetingRecord:
    """The meeting ``public_id`` as ``viewer`` may see it, else ``NotFound``."""
    query = select(Meeting).where(Meeting.public_id == public_id)
    if for_update:
        query = query.with_for_update()
    meeting = await session.scalar(query)
    missing = NotFound("no such meeting")
    if meeting is None:
        raise missing
    group_actor = await session.scalar(
        select(Actor).join(Group, Group.actor_id == Actor.id).where(Group.id == meeting.group_id)
    )
    assert group_actor is not None
    try:
        group = await group_record(session, viewer, group_actor)
    except NotFound:
        raise missing from None
    if not permissions.can_read_content(group.group.visibility, group.membership):
        raise missing
    return await record_for(session, meeting, group, viewer)


async def record_for(
    session: AsyncSession, meeting: Meeting, group: GroupRecord, viewer: Viewer | None
) -> MeetingRecord:
    """The viewer's standing with a meeting already loaded."""
    facilitator, participation = False, None
    if viewer is not None:
        facilitator = (
            await session.get(MeetingFacilitator, (meeting.id, viewer.actor_id)) is not None
        )
        participation = await session.scalar(
            select(MeetingParticipation).where(
                MeetingParticipation.meeting_id == meeting.id,
                MeetingParticipation.actor_id == viewer.actor_id,
            )
        )
    return MeetingRecord(meeting, group, viewer, facilitator, participation)


def require_manager(record: MeetingRecord) -> None:
    if not record.can_manage:
        raise PermissionDenied("only this meeting's facilitators and the group's moderators can")


def require_can_schedule(group: GroupRecord) -> None:
    if not permissions.is_group_moderator(group.membership):
        raise PermissionDenied("only the group's moderators can schedule its meetings")


def require_can_attend(record: MeetingRecord) -> None:
    if not permissions.is_approved(record.group.membership):
        raise PermissionDenied("only members of this group can say they are coming")
