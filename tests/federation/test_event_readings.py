"""Meetings elsewhere as we read them: Mobilizon's, Gancio's and Kinfolk's ``Event``s become
one reading each (when, where, how to join, the series behind it), with calm defaults for
what a server leaves out and a precise refusal for what is broken."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from federation.protocol.event_readings import EventReading, read_event
from federation.protocol.readings import ActivityReading, read_activity, read_object
from federation.protocol.topic_tags import topic_tags
from federation.protocol.vocab import Malformed
from node.kinds import MeetingJoinMode, Recurrence
from node.topics import Topic
from tests.shared_fixtures import activitypub_fixture, extra_fixture

MOBILIZON = "framasoft+mobilizon/test/fixtures/"
PLEROMA = "pleroma-social+pleroma/test/fixtures/"


def event_of(activity: dict[str, Any]) -> EventReading:
    reading = read_activity(activity)
    assert isinstance(reading, ActivityReading)
    assert isinstance(reading.object, EventReading)
    return reading.object


def test_mobilizon_s_group_event_reads_with_its_place_zone_and_join_mode() -> None:
    event = read_object(activitypub_fixture("mobilizon/objects/event.json"))
    assert isinstance(event, EventReading)
    assert event.uri == "https://rendezvous.nomagic.uk/events/b81c0531-a57c-497d-93ba-af0f8b255498"
    assert event.organizer_uri == "https://rendezvous.nomagic.uk/@devon_caledonian_society"
    assert event.actor_uri == "https://rendezvous.nomagic.uk/@emorrp1"
    assert event.title == "Caledonian scottish dance class"
    assert event.content_html.startswith("<p>£6 each.</p>")
    assert 'href="https://www.exeterceilidhs.net/"' in event.content_html
    assert event.starts_at == datetime(2022, 12, 11, 19, tzinfo=UTC)
    assert event.ends_at == datetime(2022, 12, 11, 21, tzinfo=UTC)
    assert event.time_zone == "Europe/London"
    assert event.starts_local == datetime(2022, 12, 11, 19)
    assert event.place == (
        "The Kenn Centre, Devon Expressway, EX6 7TW, Teignbridge, England, United Kingdom"
    )
    assert (event.is_online, event.online_url) == (False, None)
    assert event.join_mode is MeetingJoinMode.OPEN
    assert event.capacity is None  # Mobilizon's 0: no limit
    assert event.remaining_capacity is None
    assert event.participant_count == 0
    assert event.anonymous_participation is True
    assert event.url == event.uri
    assert event.public
    assert not event.cancelled
    assert event.series is None
    assert (event.content_warning, event.topics) == ("", ())


@pytest.mark.parametrize(
    "name",
    [
        "mobilizon-post-activity.json",
        "mobilizon-post-activity-media.json",
        "mobilizon-post-activity-media-1.json",
        "mobilizon-post-activity-media-2.json",
    ],
)
def test_mobilizon_s_online_address_is_its_website_link(name: str) -> None:
    event = event_of(extra_fixture(MOBILIZON + name))
    assert event.online_url == "https://google.com"  # the Link named "Website", not the other
    assert event.is_online
    assert event.place == (
        "Locaux de Framasoft, 10 Rue Jangot, 69007, Lyon, Auvergne Rhône Alpes, France"
    )
    assert event.title == "My first event"
    assert event.time_zone == "UTC"  # none given
    assert event.ends_at - event.starts_at == timedelta(hours=1)  # no end given
    assert event.url == "https://mobilizon.fr/events/39a0c4a6-f2b6-41dc-bbe2-fc5bff76cc93"


def test_mobilizon_s_group_event_is_made_by_a_member_for_the_group() -> None:
    activity = extra_fixture(MOBILIZON + "mobilizon-post-activity-group.json")
    reading = read_activity(activity)
    event = event_of(activity)
    assert reading.actor == "http://mobilizon1.com/@user"
    assert event.organizer_uri == "http://mobilizon1.com/@group"
    assert event.actor_uri == "http://mobilizon1.com/@user"
    assert not event.public  # addressed to the group alone
    assert event.place == ""
    assert not event.is_online


def test_gancio_s_event_has_a_bare_place_and_keeps_its_offset() -> None:
    event = event_of(extra_fixture(MOBILIZON + "gancio-event-activity.json"))
    assert event.title == "Demo event"
    assert event.place == "Colosseo"
    assert event.starts_at == datetime(2021, 7, 14, 15, 30, 57, tzinfo=UTC)
    assert event.ends_at == datetime(2021, 7, 14, 16, 30, 57, tzinfo=UTC)
    assert event.time_zone == "UTC"
    assert event.content_warning == ""  # Gancio's summary repeats the content: no warning
    assert event.url == "https://demo.gancio.org/event/demo-event"


def test_mobilizon_s_launch_party_as_pleroma_fetched_it() -> None:
    event = read_object(extra_fixture(PLEROMA + "tesla_mock/mobilizon.org-event.json"))
    assert isinstance(event, EventReading)
    assert event.title == "Mobilizon Launching Party"
    assert event.place == "Cour du Château des Ducs de Bretagne, Nantes, Pays de la Loire, France"
    assert event.ends_at - event.starts_at == timedelta(hours=1)


def kinfolk_event(**changes: Any) -> dict[str, Any]:
    """A Kinfolk node's Event: Mobilizon's shape, and the series behind it."""
    document: dict[str, Any] = {
        "id": "https://kin.example/meetings/m1",
        "type": "Event",
        "attributedTo": "https://kin.example/groups/circle",
        "name": "Thursday circle",
        "content": "<p>Come as you are.</p><script>alert(1)</script>",
        "startTime": "2027-03-11T19:00:00+01:00",
        "endTime": "2027-03-11T20:30:00+01:00",
        "timezone": "Europe/Berlin",
        "isOnline": True,
        "joinMode": "restricted",
        "maximumAttendeeCapacity": 12,
        "remainingAttendeeCapacity": 9,
        "participantCount": 3,
        "anonymousParticipationEnabled": True,
        "url": "https://kin.example/meetings/m1",
        "summary": "grief",
        "sensitive": True,
        "to": ["https://kin.example/groups/circle/followers"],
        "recurrence": {
            "rrule": "FREQ=WEEKLY;INTERVAL=1;UNTIL=20270624T170000Z",
            "startLocal": "2027-03-04T19:00:00",
            "exceptions": [
                {"date": "2027-03-18", "cancelled": True},
                {"date": "2027-03-25", "movedTo": "2027-03-26T18:00:00"},
            ],
        },
    }
    return {**document, **changes}


def test_a_kinfolk_event_keeps_its_series_and_waits_for_the_facilitator() -> None:
    event = read_event(kinfolk_event())
    assert event.content_html == "<p>Come as you are.</p>"  # sanitized as posts are
    assert event.content_warning == "grief"
    assert event.join_mode is MeetingJoinMode.APPROVAL
    assert (event.capacity, event.remaining_capacity, event.participant_count) == (12, 9, 3)
    assert event.is_online
    assert event.online_url is None  # the link is for attendees
    assert event.place == ""
    assert not event.public
    series = event.series
    assert series is not None
    assert series.starts_local == datetime(2027, 3, 4, 19)
    assert (series.recurrence, series.interval, series.count) == (Recurrence.WEEKLY, 1, None)
    assert series.until_date == date(2027, 6, 24)  # 19:00 in Berlin, on that day
    assert [(e.occurrence_date, e.cancelled, e.moved_to_local) for e in series.exceptions] == [
        (date(2027, 3, 18), True, None),
        (date(2027, 3, 25), False, datetime(2027, 3, 26, 18)),
    ]


@pytest.mark.parametrize(
    ("rrule", "recurrence", "interval", "count"),
    [
        ("FREQ=WEEKLY;INTERVAL=2", Recurrence.WEEKLY, 2, None),
        ("RRULE:FREQ=MONTHLY;BYDAY=+1SA;COUNT=6", Recurrence.MONTHLY_WEEKDAY, 1, 6),
        ("FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR", Recurrence.MONTHLY_WEEKDAY, 1, None),
        ("FREQ=MONTHLY;BYMONTHDAY=4", Recurrence.MONTHLY_DATE, 1, None),
    ],
)
def test_each_rule_a_meeting_can_have_reads_back(
    rrule: str, recurrence: Recurrence, interval: int, count: int | None
) -> None:
    document = kinfolk_event(recurrence={"rrule": rrule, "startLocal": "2027-03-04T19:00:00"})
    series = read_event(document).series
    assert series is not None
    assert (series.recurrence, series.interval, series.count) == (recurrence, interval, count)
    assert series.exceptions == ()


def test_topics_come_from_the_tags_as_on_posts() -> None:
    tags = topic_tags([Topic.GRIEF_AND_LOSS], "en")
    event = read_event(kinfolk_event(tag=tags, summary=None, sensitive=False))
    assert event.topics == (Topic.GRIEF_AND_LOSS,)
    assert event.content_warning == ""


def test_a_cancelled_mobilizon_event_reads_as_cancelled() -> None:
    assert read_event(kinfolk_event(**{"ical:status": "CANCELLED"})).cancelled


def test_an_unknown_zone_reads_as_utc_and_an_end_before_the_start_as_an_hour() -> None:
    event = read_event(
        kinfolk_event(timezone="Mars/Olympus", endTime="2027-03-11T18:00:00+01:00", recurrence=None)
    )
    assert event.time_zone == "UTC"
    assert event.ends_at - event.starts_at == timedelta(hours=1)


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"id": None}, "id is missing"),
        ({"name": "  "}, "the Event has no name"),
        ({"startTime": "2027-03-11T19:00:00"}, "startTime is missing or has no time zone"),
        ({"startTime": None}, "startTime is missing"),
        ({"attributedTo": None}, "attributedTo is missing"),
        ({"recurrence": "weekly"}, "recurrence is not an object"),
        ({"recurrence": {"rrule": "FREQ=WEEKLY"}}, "recurrence.startLocal is missing"),
        (
            {"recurrence": {"rrule": "FREQ=DAILY", "startLocal": "2027-03-04T19:00"}},
            "FREQ 'DAILY' is not weekly or monthly",
        ),
        (
            {"recurrence": {"rrule": "FREQ=WEEKLY;BYHOUR=3", "startLocal": "2027-03-04T19:00"}},
            "uses BYHOUR, which meetings do not",
        ),
        (
            {"recurrence": {"rrule": "FREQ=WEEKLY;INTERVAL=40", "startLocal": "2027-03-04"}},
            "INTERVAL is not 1 to 12",
        ),
        (
            {
                "recurrence": {
                    "rrule": "FREQ=WEEKLY",
                    "startLocal": "2027-03-04T19:00",
                    "exceptions": [{"date": "2027-03-18"}],
                }
            },
            "neither cancelled nor moved",
        ),
    ],
)
def test_a_broken_event_is_refused_saying_why(changes: dict[str, Any], refusal: str) -> None:
    with pytest.raises(Malformed, match=refusal):
        read_event(kinfolk_event(**changes))
