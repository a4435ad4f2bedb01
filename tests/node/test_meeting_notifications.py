"""What a member going to a meeting is told, as they read it: a moved date tells those
going (as a cancelled one does), every meeting notification names its meeting (title
and id, for the link), and the email digest counts meeting news on its own line,
never with a title."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import notifications
from node.kinds import Attendance, MeetingJoinMode, NotificationKind, Recurrence
from node.mail import addresses
from node.mail.digest import counts_by_group, queue_digests
from node.mail.kinds import DigestFrequency
from node.meetings import attending, scheduling
from node.passwords import Passwords
from node.site import Site
from tests.node.factories import Node
from tests.node.meeting_helpers import THURSDAY, circle, schedule, told
from tests.node.test_digest import MAIL, queued, with_address


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def test_a_moved_date_tells_those_going_and_nobody_else(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(node, mod, recurrence=Recurrence.WEEKLY)
    await node.run(
        lambda s: attending.answer(s, ana, meeting.public_id, Attendance.GOING, now=node.now)
    )
    await node.run(
        lambda s: attending.answer(s, ben, meeting.public_id, Attendance.MAYBE, now=node.now)
    )
    moved_to = THURSDAY + timedelta(days=8, hours=-1)  # Friday 26 March, 18:00
    await node.run(
        lambda s: scheduling.move_occurrence(
            s, mod, meeting.public_id, date(2027, 3, 25), moved_to, now=node.now
        )
    )
    assert await told(node, ana, NotificationKind.MEETING_MOVED) == 1
    assert await told(node, ben, NotificationKind.MEETING_MOVED) == 0
    assert await told(node, mod, NotificationKind.MEETING_MOVED) == 0


async def test_each_meeting_notification_names_its_meeting(node: Node) -> None:
    mod, (ana, ben) = await circle(node, "ana", "ben")
    meeting = await schedule(
        node, mod, title="Grief café", join_mode=MeetingJoinMode.APPROVAL, capacity=1
    )
    other = await schedule(node, mod, title="Walk and talk")
    for public_id in (meeting.public_id, other.public_id):
        going = partial(
            attending.answer, viewer=ana, public_id=public_id, state=Attendance.GOING, now=node.now
        )
        await node.run(going)
    await node.run(
        lambda s: attending.decide(
            s, node.site, mod, meeting.public_id, "ana", accept=True, now=node.now
        )
    )
    await node.run(lambda s: scheduling.cancel_meeting(s, mod, other.public_id, now=node.now))
    await node.run(lambda s: scheduling.cancel_meeting(s, mod, meeting.public_id, now=node.now))
    page = await node.run(lambda s: notifications.notifications_of(s, ana, now=node.now))
    named = [(entry.kind, entry.meeting) for entry in page.items]
    # Two cancellations of two meetings are two entries, each with its own title.
    grief = notifications.MeetingSubject(meeting.public_id, "Grief café")
    walk = notifications.MeetingSubject(other.public_id, "Walk and talk")
    assert named == [
        (NotificationKind.MEETING_CANCELLED, grief),
        (NotificationKind.MEETING_CANCELLED, walk),
        (NotificationKind.MEETING_ACCEPTED, grief),
    ]
    assert all(entry.group is not None and entry.group.handle == "circle" for entry in page.items)
    # Marking one entry read leaves the other meeting's.
    await node.run(
        lambda s: notifications.mark_entries_read(s, ana.actor_id, [page.items[0].id], now=node.now)
    )
    unread = await node.run(
        lambda s: notifications.unread_count(s, ana.account_id, ana.actor_id, now=node.now)
    )
    assert unread.count == 2
    assert await told(node, ben, NotificationKind.MEETING_CANCELLED) == 0


async def test_the_digest_counts_meeting_news_on_its_own_line(node: Node) -> None:
    mod, (ana,) = await circle(node, "ana")
    meeting = await schedule(node, mod, title="Xylophone circle")
    await node.run(
        lambda s: attending.answer(s, ana, meeting.public_id, Attendance.GOING, now=node.now)
    )
    await node.run(lambda s: scheduling.cancel_meeting(s, mod, meeting.public_id, now=node.now))
    await with_address(node, ana, "ana@example.org")
    await node.run(lambda s: addresses.set_digest(s, ana, DigestFrequency.DAILY))
    assert await node.run(lambda s: queue_digests(s, MAIL, now=node.now)) == 1
    (mail,) = await queued(node)
    assert "1 update about your meetings" in mail.body
    assert "Xylophone" not in mail.body
    assert "circle" not in mail.body.casefold().replace("circle node", "")
    kinds = {kind.value: 1 for kind in NotificationKind if kind.value.startswith("meeting_")}
    assert counts_by_group(kinds) == {"meetings": 6}
