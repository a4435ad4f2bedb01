"""The inbox and outbox for meetings of a group elsewhere, on one node, on both databases:
whose word keeps, changes or cancels a meeting; the details a group sends its accepted
attendees reach them alone; our member's Join goes to the group, and only the group's
server answers it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.dispatch import process
from federation.inbox.prepared import Ignored, Prepared
from federation.outbox.dispatch import dispatch_once
from federation.protocol.vocab import PUBLIC, Malformed
from federation.tables import Delivery, OutgoingActivity, RemoteActor
from node.actors import upsert_remote_actor
from node.kinds import ActorKind, Attendance, Recurrence
from node.meetings import attending, elsewhere, reading, scheduling
from node.meetings.ical import events_of
from node.meetings.reading import changes_of, rule_of
from node.meetings.recurrence import occurrences
from node.storage.models.meetings import Meeting
from node.views import Viewer
from tests.node.factories import Node
from tests.node.meeting_helpers import BASE
from tests.node.test_pending_posts import _group_elsewhere

GROUP = "https://peer.example/c/circle"  # as tests.node.test_pending_posts makes it
ORGANIZER = "https://peer.example/u/caller"
OUTSIDER = "https://other.example/u/mallory"
EVENT = "https://peer.example/events/1"


async def _world(node: Node, *members: str) -> list[Viewer]:
    """A group on peer.example our ``members`` belong to, its organizer, and an outsider;
    the group and the organizer with inboxes."""
    viewers = [await node.member(handle) for handle in members]
    group = await _group_elsewhere(node, *viewers)
    async with node.sessions.begin() as session:
        session.add(
            RemoteActor(
                actor_id=group.actor_id,
                inbox=f"{GROUP}/inbox",
                shared_inbox="https://peer.example/inbox",
                fetched_at=node.now,
            )
        )
        for uri in (ORGANIZER, OUTSIDER):
            await upsert_remote_actor(
                session,
                uri=uri,
                kind=ActorKind.PERSON,
                handle=uri.rsplit("/", 1)[1],
                domain=uri.split("/")[2],
                display_name="",
                summary="",
                now=node.now,
            )
    return viewers


def _event(**changes: Any) -> dict[str, Any]:
    return {
        "id": EVENT,
        "type": "Event",
        "attributedTo": GROUP,
        "name": "Thursday circle",
        "startTime": "2027-03-11T19:00:00+01:00",
        "timezone": "Europe/Berlin",
        "isOnline": True,
        "to": [PUBLIC],
        **changes,
    }


def _activity(kind: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    ident = obj["id"] if isinstance(obj, dict) else obj
    return {
        "id": f"{ident}#{kind}-{actor[-4:]}",
        "type": kind,
        "actor": actor,
        "object": obj,
        **extra,
    }


async def _process(node: Node, fed: Federation, activity: dict[str, Any], via: str | None) -> None:
    async with node.sessions.begin() as session:
        await process(fed, session, Prepared(activity, via=via))


async def _title(node: Node, viewer: Viewer) -> str:
    meeting = await node.run(lambda s: elsewhere.meeting_elsewhere(s, EVENT))
    assert meeting is not None
    view = await node.run(lambda s: reading.get_meeting(s, viewer, meeting.public_id))
    return view.title


async def test_only_the_group_s_server_speaks_for_its_meetings(node: Node, fed: Federation) -> None:
    [ana] = await _world(node, "ana")
    # Mobilizon's shape: the organizer's Create of the group's Event, announced by it.
    await _process(node, fed, _activity("Create", ORGANIZER, _event()), GROUP)
    assert await _title(node, ana) == "Thursday circle"
    refused = [
        # A group announces only its own meetings.
        (
            _activity("Update", ORGANIZER, _event(name="Mine")),
            "https://other.example/c/g",
            "a group can only announce its own meetings",
        ),
        # Someone on another server speaks for the group.
        (
            _activity("Update", OUTSIDER, _event(name="Moved")),
            None,
            "only the group's own server speaks for its meetings",
        ),
        # An Event on another server, said to be the group's.
        (
            _activity("Create", OUTSIDER, _event(id="https://other.example/e/1")),
            None,
            "the Event is not on its group's server",
        ),
    ]
    for activity, via, reason in refused:
        with pytest.raises(Malformed, match=reason):
            await _process(node, fed, activity, via)
    with pytest.raises(Malformed):
        await _process(node, fed, _activity("Delete", OUTSIDER, EVENT), None)
    # For its members only, a meeting comes from the group itself, not its organizer alone.
    private = _event(id="https://peer.example/events/2", to=[f"{GROUP}/followers"])
    with pytest.raises(Ignored, match="comes only from the group"):
        await _process(node, fed, _activity("Create", ORGANIZER, private), None)
    await _process(node, fed, _activity("Create", GROUP, private), None)
    assert await _title(node, ana) == "Thursday circle"
    await _process(node, fed, _activity("Delete", ORGANIZER, EVENT), GROUP)
    meeting = await node.run(lambda s: elsewhere.meeting_elsewhere(s, EVENT))
    assert meeting is not None
    assert meeting.cancelled_at is not None


async def test_a_group_nobody_here_follows_keeps_no_meetings(node: Node, fed: Federation) -> None:
    await _world(node)
    with pytest.raises(Ignored, match="nobody here"):
        await _process(node, fed, _activity("Create", GROUP, _event()), GROUP)


async def _going(session: AsyncSession, *, viewer: Viewer, public_id: str, node: Node) -> None:
    await attending.answer(session, viewer, public_id, Attendance.GOING, now=node.now)


async def _sent(node: Node) -> list[tuple[dict[str, Any], str]]:
    async with node.sessions.begin() as session:
        await dispatch_once(session, node.site, now=node.now)
        rows = (
            await session.execute(
                select(OutgoingActivity.payload, Delivery.inbox)
                .join(Delivery, Delivery.activity_id == OutgoingActivity.id)
                .order_by(OutgoingActivity.id)
            )
        ).all()
    return [(json.loads(payload), inbox) for payload, inbox in rows]


async def test_the_join_goes_to_the_group_and_its_server_alone_answers(
    node: Node, fed: Federation
) -> None:
    ana, ben = await _world(node, "ana", "ben")
    await _process(node, fed, _activity("Create", GROUP, _event()), GROUP)
    meeting = await node.run(lambda s: elsewhere.meeting_elsewhere(s, EVENT))
    assert meeting is not None
    public_id = meeting.public_id
    for viewer in (ana, ben):
        await node.run(partial(_going, viewer=viewer, public_id=public_id, node=node))
    sent = await _sent(node)
    assert [(join["type"], join["object"], join["to"], inbox) for join, inbox in sent] == [
        ("Join", EVENT, [GROUP], f"{GROUP}/inbox"),
        ("Join", EVENT, [GROUP], f"{GROUP}/inbox"),
    ]
    ana_join, ben_join = (join for join, _ in sent)
    assert ana_join["actor"] == node.site.member_uri("ana")
    with pytest.raises(Malformed, match="only the meeting's own server"):
        await _process(node, fed, _activity("Accept", OUTSIDER, ana_join["id"]), None)
    # Mobilizon answers as the moderator who decided, naming the Join (or embedding it).
    await _process(node, fed, _activity("Accept", ORGANIZER, ana_join["id"]), None)
    await _process(node, fed, _activity("Reject", ORGANIZER, ben_join), None)
    ana_view = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    ben_view = await node.run(lambda s: reading.get_meeting(s, ben, public_id))
    assert (ana_view.attendance, ben_view.attendance) == (Attendance.GOING, Attendance.DECLINED)

    # The group sends ana alone the link it keeps for attendees: an Update to her only.
    link = {
        "type": "Link",
        "name": "Website",
        "href": "https://meet.example/r",
        "mediaType": "text/html",
    }
    details = _event(to=[node.site.member_uri("ana")], attachment=[link], name="Not this title")
    await _process(node, fed, _activity("Update", GROUP, details), None)
    ana_view = await node.run(lambda s: reading.get_meeting(s, ana, public_id))
    ben_view = await node.run(lambda s: reading.get_meeting(s, ben, public_id))
    assert (ana_view.online_url, ben_view.online_url) == ("https://meet.example/r", None)
    assert ana_view.title == "Thursday circle"  # the meeting everyone sees is unchanged

    await node.run(lambda s: attending.leave(s, ana, public_id, now=node.now))
    leave, inbox = (await _sent(node))[-1]
    assert (leave["type"], leave["object"], inbox) == ("Leave", EVENT, f"{GROUP}/inbox")


async def test_a_kinfolk_series_survives_the_trip(node: Node, fed: Federation) -> None:
    """Our meeting's rule, as our calendar writes it (RRULE), read back from a Kinfolk
    Event gives the same occurrences: monthly on the third Thursday, until June, one
    cancelled and one moved."""
    [ana] = await _world(node, "ana")
    mod = await node.member("mod")
    await node.group(mod, "home")
    given = replace(BASE, recurrence=Recurrence.MONTHLY_WEEKDAY, until_date=date(2027, 6, 30))
    ours = await node.run(
        lambda s: scheduling.schedule_meeting(s, node.site, mod, "home", given, now=node.now)
    )
    first = ours.starts_local.date()
    await node.run(
        lambda s: scheduling.cancel_occurrence(s, mod, ours.public_id, first, now=node.now)
    )
    april = date(2027, 4, 15)
    moved_to = datetime(2027, 4, 16, 18)
    ours = await node.run(
        lambda s: scheduling.move_occurrence(s, mod, ours.public_id, april, moved_to, now=node.now)
    )
    [series, *_] = events_of(ours, node.site.domain, node.now)
    text = series["RRULE"].to_ical()
    rrule = text.decode() if isinstance(text, bytes) else str(text)
    exceptions: list[dict[str, Any]] = []
    for change in ours.exceptions:
        day = change.occurrence_date.isoformat()
        if change.cancelled:
            exceptions.append({"date": day, "cancelled": True})
        elif change.moved_to_local is not None:
            exceptions.append({"date": day, "movedTo": change.moved_to_local.isoformat()})
    recurrence = {
        "rrule": rrule,
        "startLocal": ours.starts_local.isoformat(),
        "exceptions": exceptions,
    }
    event = _event(timezone=ours.time_zone, recurrence=recurrence)
    await _process(node, fed, _activity("Create", GROUP, event), GROUP)

    kept = await node.run(lambda s: elsewhere.meeting_elsewhere(s, EVENT))
    assert kept is not None
    theirs = await node.run(lambda s: reading.get_meeting(s, ana, kept.public_id))
    same = ("recurrence", "interval", "until_date", "count", "starts_local", "time_zone")
    assert [getattr(theirs, name) for name in same] == [getattr(ours, name) for name in same]
    assert theirs.exceptions == ours.exceptions
    theirs_dates = await node.run(partial(_occurrences, public_id=theirs.public_id))
    assert theirs_dates == await node.run(partial(_occurrences, public_id=ours.public_id))
    assert len(theirs_dates) == 4  # the third Thursdays, March to June


async def _occurrences(
    session: AsyncSession, *, public_id: str
) -> list[tuple[date, datetime, bool]]:
    """A meeting's occurrences in 2027 (the cancelled ones too): date, UTC start, cancelled."""
    meeting = await session.scalar(select(Meeting).where(Meeting.public_id == public_id))
    assert meeting is not None
    found = occurrences(
        rule_of(meeting),
        await changes_of(session, meeting.id),
        after=datetime(2027, 1, 1, tzinfo=UTC),
        include_cancelled=True,
    )
    return [(o.original_date, o.starts_at, o.cancelled) for o in found]
