"""The iCalendar feeds, as a calendar app reads them: a public group's meetings without
what is kept for attendees, a member's own with it, recurrence and time zones kept across
a daylight-saving change, and a private URL nobody can guess and its owner can replace."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.api_client import Api, Member
from tests.web.test_meetings_api import BASE, LINK, answer, circle, schedule

FEED = "/groups/circle/meetings.ics"
ROOM = "Room 4, Linden St 12"


async def fetch(api: Api, path: str, status: int = 200) -> Calendar | None:
    async with api.client.get(path) as response:
        assert response.status == status
        if status != 200:
            return None
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        return Calendar.from_ical(await response.read())


def events(calendar: Calendar | None) -> list[Any]:
    """The calendar's VEVENTs (typed loosely: icalendar's property types are a wide union)."""
    assert calendar is not None
    return list(calendar.walk("VEVENT"))


async def feed_url(api: Api, member: Member) -> str:
    made = (await api.call("POST", "/api/v1/calendar", as_=member)).expect(201)
    url = str(made["url"])
    return url[url.index("/calendar/") :]


async def weekly_with_exceptions(api: Api, mod: Member) -> Any:
    meeting = await schedule(api, mod, place=ROOM, count=4)
    one = f"{BASE}/{meeting['id']}"
    (await api.call("POST", f"{one}/occurrences/2027-03-25/cancel", as_=mod)).expect(200)
    move = {"starts_local": "2027-04-02T18:00:00"}
    (await api.call("POST", f"{one}/occurrences/2027-04-01/move", as_=mod, json=move)).expect(200)
    return meeting


async def test_the_public_feed_keeps_recurrence_and_the_local_time(api: Api) -> None:
    mod, _ = await circle(api)
    meeting = await weekly_with_exceptions(api, mod)
    series, moved = events(await fetch(api, FEED))
    assert str(series["uid"]) == str(moved["uid"])
    assert meeting["id"] in str(series["uid"])
    assert series["rrule"]["FREQ"] == ["WEEKLY"]
    assert series["rrule"]["COUNT"] == [4]
    start = series.decoded("dtstart")
    assert start == datetime(2027, 3, 18, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert series["dtstart"].params["TZID"] == "Europe/Berlin"
    excluded = [d.dt for d in series["exdate"].dts]
    assert excluded == [datetime(2027, 3, 25, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))]
    assert moved.decoded("recurrence-id") == datetime(
        2027, 4, 1, 19, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert moved.decoded("dtstart").hour == 18
    assert int(series["sequence"]) == 2
    # Expanded as a calendar app would (weekly steps of wall time in the event's zone):
    # 19:00 local before and after the clocks change, the offset moving underneath.
    step = timedelta(weeks=series["rrule"]["INTERVAL"][0])
    every = [start + step * n for n in range(series["rrule"]["COUNT"][0])]
    starts = [s for s in every if s not in excluded and s != moved.decoded("recurrence-id")]
    assert [(s.day, s.hour) for s in starts] == [(18, 19), (8, 19)]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=1), timedelta(hours=2)]


async def test_the_public_feed_holds_nothing_for_attendees_only(api: Api) -> None:
    mod, (ana,) = await circle(api, "ana")
    meeting = await weekly_with_exceptions(api, mod)
    await answer(api, ana, meeting["id"])
    async with api.client.get(FEED) as response:
        text = (await response.read()).decode()
    assert LINK not in text
    assert ROOM not in text
    assert "ATTENDEE" not in text  # nobody is named
    assert "mailto:" not in text


async def test_the_private_feed_has_my_meetings_with_their_details(api: Api) -> None:
    mod, (ana, ben) = await circle(api, "ana", "ben")
    meeting = await weekly_with_exceptions(api, mod)
    other = await schedule(api, mod, title="Not for Ana")
    await answer(api, ana, meeting["id"])
    await answer(api, ben, other["id"])
    url = await feed_url(api, ana)
    token = url.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 40
    found = events(await fetch(api, url))
    assert {str(e["summary"]) for e in found} == {"Thursday circle"}
    assert str(found[0]["location"]) == ROOM
    assert str(found[0]["url"]) == LINK


async def test_a_new_private_url_kills_the_old_one_and_revoking_kills_it(api: Api) -> None:
    _mod, (ana,) = await circle(api, "ana")
    assert (await api.call("GET", "/api/v1/calendar", as_=ana)).expect(200) == {"active": False}
    first = await feed_url(api, ana)
    second = await feed_url(api, ana)
    assert first != second
    await fetch(api, first, 404)
    await fetch(api, second)
    assert (await api.call("GET", "/api/v1/calendar", as_=ana)).expect(200) == {"active": True}
    (await api.call("DELETE", "/api/v1/calendar", as_=ana)).expect(204)
    (await api.call("DELETE", "/api/v1/calendar", as_=ana)).expect(404)
    await fetch(api, second, 404)
    await fetch(api, "/calendar/not-a-token.ics", 404)


async def test_a_private_group_has_no_public_feed(api: Api) -> None:
    mod, _ = await circle(api, visibility="private")
    await schedule(api, mod)
    await fetch(api, FEED, 404)
    await fetch(api, "/groups/nobody/meetings.ics", 404)


async def test_a_cancelled_series_says_so(api: Api) -> None:
    mod, _ = await circle(api)
    meeting = await schedule(api, mod)
    (await api.call("DELETE", f"{BASE}/{meeting['id']}", as_=mod)).expect(204)
    (series,) = events(await fetch(api, FEED))
    assert str(series["status"]) == "CANCELLED"
