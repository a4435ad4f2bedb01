"""Meetings on the pages, as a browser without JavaScript meets them: a moderator schedules
one through the form, members answer, the link shows only to those going, the waiting
list and a facilitator's acceptance, a cancelled or moved date, anonymous attendance,
a private group's meetings, "my meetings" with the private calendar address, and a
form the node cannot take, given back with what to change."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from functools import partial

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.kinds import (
    Attendance,
    MeetingJoinMode,
    Recurrence,
    Visibility,
)
from node.meetings import attending, scheduling
from node.passwords import Passwords
from node.site import Site
from node.views import Viewer
from tests.conftest import Client
from tests.node.factories import Node
from tests.node.meeting_helpers import BASE, schedule
from tests.web.test_moderation_pages import post_form, sign_in
from tests.web.test_pages import page

LINK = "https://meet.example/circle-room"
HIDDEN = "The link is shared with those who are coming."
FORM = {
    "title": "Thursday circle",
    "description": "We **meet** and <script>talk</script>.",
    "date": "2027-03-18",
    "time": "19:00",
    "time_zone": "Europe/Berlin",
    "duration_minutes": "90",
    "recurrence": "weekly",
    "interval": "1",
    "until_date": "",
    "count": "",
    "online_url": LINK,
    "place": "",
    "details_for_attendees": "on",
    "capacity": "1",
    "join_mode": "open",
    "content_warning": "",
}


class World(Node):
    """The node, and its members by handle."""

    people: dict[str, Viewer]


@pytest.fixture
async def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> World:
    """``mod`` runs the public group ``circle``, where ``ben`` and ``cat`` are members;
    ``dan`` is in no group."""
    node = World(sessions, site, passwords, now)
    node.people = {handle: await node.member(handle) for handle in ("mod", "ben", "cat", "dan")}
    await node.group(node.people["mod"], "circle")
    for handle in ("ben", "cat"):
        await node.join(node.people[handle], "circle")
    return node


def meeting_link(html: str) -> str:
    match = re.search(r'href="(/meetings/[0-9A-Za-z]+)"', html)
    assert match, "no meeting on the page"
    return match.group(1)


async def answer(client: Client, path: str, state: str) -> tuple[int, str, str]:
    return await post_form(client, path, f"{path}/answer", {"state": state})


async def test_schedule_through_the_form_answer_and_the_waiting_list(
    client: Client, node: World
) -> None:
    await sign_in(client, "ben")
    _, html = await page(client, "/groups/circle")
    assert "Coming up" in html
    assert "No meetings are planned yet." in html
    assert "Schedule a meeting" not in html  # for the group's moderators
    status, _ = await page(client, "/groups/circle/meetings/new")
    assert status == 403

    await sign_in(client, "mod")
    _, html = await page(client, "/groups/circle")
    assert 'href="/groups/circle/meetings/new"' in html
    new = "/groups/circle/meetings/new"
    status, location, _ = await post_form(client, new, new, FORM)
    assert status == 303
    assert location.endswith("?done=scheduled")
    path = location.split("?")[0]
    _, html = await page(client, location)
    assert "The meeting is scheduled." in html
    assert "<p>We <strong>meet</strong> and &lt;script&gt;talk&lt;/script&gt;.</p>" in html
    assert LINK in html  # the moderator sees it
    assert "Every week" in html

    _, group = await page(client, "/groups/circle")
    assert meeting_link(group) == path
    assert "Thursday, March 18, 2027, 7:00\u202fPM" in group
    assert "(Europe/Berlin)" in group
    assert "Online" in group
    assert "0 of 1 place taken" in group
    assert 'href="/groups/circle/meetings.ics"' in group

    await sign_in(client, "ben")
    _, html = await page(client, path)
    assert LINK not in html
    assert HIDDEN in html
    status, location, _ = await answer(client, path, "going")
    assert status == 303
    _, html = await page(client, location)
    assert "Thank you: your answer is saved." in html
    assert "You are going." in html
    assert LINK in html
    _, group = await page(client, "/groups/circle")
    assert "1 of 1 place taken" in group
    assert "You are going." in group

    await sign_in(client, "cat")
    await answer(client, path, "going")
    _, html = await page(client, path)
    assert "You’re on the waiting list — we’ll tell you if a place opens." in html  # noqa: RUF001
    assert LINK not in html
    _, mine = await page(client, "/meetings")
    assert "Waiting for a place or an answer" in mine
    assert f'href="{path}"' in mine

    await sign_in(client, "ben")
    status, location, _ = await answer(client, path, "leave")
    _, html = await page(client, location)
    assert "Your answer is taken back." in html
    assert LINK not in html

    await sign_in(client, "cat")
    _, html = await page(client, path)
    assert "You are going." in html
    assert LINK in html
    _, mine = await page(client, "/meetings")
    assert '<h2 id="going-title">Going</h2>' in mine
    assert "Next: " in mine
    _, notes = await page(client, "/notifications")
    assert "A place opened up at “Thursday circle” in circle, and it is yours." in notes
    assert f'href="{path}"' in notes


async def test_a_form_the_node_cannot_take_comes_back_with_what_to_change(
    client: Client, node: World
) -> None:
    await sign_in(client, "mod")
    new = "/groups/circle/meetings/new"
    _, html = await page(client, new)
    assert 'value="90"' in html  # a length is suggested
    bad = {**FORM, "title": " ", "date": "18.3.2027", "capacity": "0", "description": "kept"}
    status, _, html = await post_form(client, new, new, bad)
    assert status == 422
    assert "Please check the form" in html
    assert "Give the meeting a title, of at most 200 characters." in html
    assert "Give the date of the first meeting, such as 2027-03-18." in html
    assert ">kept</textarea>" in html
    zone = {**FORM, "time_zone": "Mars/Olympus"}
    status, _, html = await post_form(client, new, new, zone)
    assert status == 422
    assert "Choose a time zone from the list, such as Europe/Berlin." in html
    assert 'value="Mars/Olympus"' in html
    places = {**FORM, "capacity": "0"}
    status, _, html = await post_form(client, new, new, places)
    assert status == 422
    assert "Give between 1 and 10000 places, or leave this empty for no limit." in html
    every = {**FORM, "interval": "0"}
    status, _, html = await post_form(client, new, new, every)
    assert status == 422
    assert "Repeat every 1 to 12 weeks or months." in html
    link = {**FORM, "online_url": "ftp://meet.example"}
    status, _, html = await post_form(client, new, new, link)
    assert status == 422
    assert "The online link must be a web address beginning with https://." in html
    _, group = await page(client, "/groups/circle")
    assert "No meetings are planned yet." in group


async def test_approval_mode_a_facilitator_and_the_link_after_acceptance(
    client: Client, node: World
) -> None:
    await sign_in(client, "mod")
    new = "/groups/circle/meetings/new"
    form = {**FORM, "join_mode": "approval", "capacity": ""}
    _, location, _ = await post_form(client, new, new, form)
    path = location.split("?")[0]

    await sign_in(client, "ben")
    await answer(client, path, "going")
    _, html = await page(client, path)
    assert "Waiting for a facilitator to confirm." in html
    assert LINK not in html

    await sign_in(client, "mod")
    _, html = await page(client, path)
    assert "asks to come" in html
    accept = f"{path}/participants/ben%40node.test/accept"
    assert f'action="{accept}"' in html
    status, location, _ = await post_form(client, path, accept, {})
    assert status == 303
    _, html = await page(client, location)
    assert "They are accepted and have been told." in html
    # Appointing: an unknown name is said beside the field; a member becomes a facilitator.
    status, _, html = await post_form(
        client, path, f"{path}/facilitators", {"handle": "nobody", "action": "appoint"}
    )
    assert status == 422
    assert "Name a member of this group by their handle, such as ana." in html
    status, _, _ = await post_form(
        client, path, f"{path}/facilitators", {"handle": "@cat", "action": "appoint"}
    )
    assert status == 303

    await sign_in(client, "ben")
    _, html = await page(client, path)
    assert "You are going." in html
    assert LINK in html
    _, notes = await page(client, "/notifications")
    assert "Your request to come to “Thursday circle” in circle was accepted." in notes

    await sign_in(client, "cat")
    _, html = await page(client, path)
    assert "Running this meeting" in html
    assert LINK in html
    assert f'href="{path}/edit"' in html
    edit = f"{path}/edit"
    _, form_html = await page(client, edit)
    assert f'value="{LINK}"' in form_html
    status, location, _ = await post_form(
        client, edit, edit, {**form, "title": "Thursday evening circle"}
    )
    assert status == 303
    _, html = await page(client, location)
    assert "The changes are saved." in html
    assert "<h1>Thursday evening circle</h1>" in html
    assert "Facilitators" not in html  # appointing is for the group's moderators

    await sign_in(client, "mod")
    _, html = await page(client, path)
    facilitators = html.split('id="facilitators-title"')[1].split("</ul>")[0]
    assert "@cat@node.test" in facilitators
    status, location, _ = await post_form(
        client, path, f"{path}/facilitators", {"handle": "cat@node.test", "action": "remove"}
    )
    _, html = await page(client, location)
    assert "They are no longer a facilitator of this meeting." in html
    assert "No facilitators yet: the moderators of the group run this meeting." in html
    await sign_in(client, "cat")
    _, html = await page(client, path)
    assert "Running this meeting" not in html
    assert LINK not in html


async def test_a_cancelled_and_a_moved_date(client: Client, node: World) -> None:
    await sign_in(client, "mod")
    new = "/groups/circle/meetings/new"
    _, location, _ = await post_form(client, new, new, {**FORM, "capacity": ""})
    path = location.split("?")[0]
    await sign_in(client, "ben")
    await answer(client, path, "going")

    await sign_in(client, "mod")
    cancel = f"{path}/occurrences/2027-03-25/cancel"
    status, location, _ = await post_form(client, path, cancel, {})
    assert status == 303
    _, html = await page(client, location)
    assert "That date is cancelled. Those who were going have been told." in html
    dates = html.split('id="dates-title"')[1].split("</section>")[0]
    assert "Thursday, March 25, 2027" in dates
    assert "Cancelled" in dates
    move = f"{path}/occurrences/2027-04-01/move"
    status, _, html = await post_form(client, path, move, {"date": "2027-09-01", "time": "18:00"})
    assert status == 422
    assert "Give a new date and time within 60 days" in html
    status, location, _ = await post_form(
        client, path, move, {"date": "2027-04-02", "time": "18:30"}
    )
    assert status == 303
    _, html = await page(client, location)
    assert "Friday, April 2, 2027, 6:30\u202fPM" in html
    assert "Moved to this time" in html

    await sign_in(client, "ben")
    _, notes = await page(client, "/notifications")
    assert "“Thursday circle” in circle, which you were going to, was cancelled." in notes
    assert "A date of “Thursday circle” in circle, which you are going to, moved" in notes

    await sign_in(client, "mod")
    status, location, _ = await post_form(client, path, f"{path}/cancel", {})
    _, html = await page(client, location)
    assert "This meeting was cancelled." in html
    assert 'action="' + path + '/answer"' not in html
    _, group = await page(client, "/groups/circle")
    assert f'href="{path}"' not in group


async def test_anonymous_attendance_names_nobody_to_others(client: Client, node: World) -> None:
    meeting = await schedule(node, node.people["mod"], anonymous_attendance=True)
    path = f"/meetings/{meeting.public_id}"
    for handle in ("ben", "cat"):
        await node.run(
            partial(
                attending.answer,
                viewer=node.people[handle],
                public_id=meeting.public_id,
                state=Attendance.GOING,
                now=node.now,
            )
        )
    await sign_in(client, "cat")
    _, html = await page(client, path)
    assert "2 going" in html
    assert "Attendance is anonymous: only the facilitators see who comes." in html
    assert "@ben" not in html
    assert LINK in html  # cat is going
    client.session.cookie_jar.clear()
    _, html = await page(client, path)
    assert "2 going" in html
    assert "@ben" not in html
    assert "@cat" not in html
    assert LINK not in html
    assert HIDDEN in html
    assert "Sign in to say you are coming" in html
    await sign_in(client, "dan")  # signed in, not a member
    _, html = await page(client, path)
    assert "@ben" not in html
    assert LINK not in html
    assert "Members of the group can say they are coming." in html
    status, _, _ = await answer(client, path, "going")
    assert status == 403
    await sign_in(client, "mod")
    _, html = await page(client, path)
    assert "@ben@node.test" in html
    assert "@cat@node.test" in html


async def test_a_private_groups_meetings_are_not_found_by_others(
    client: Client, node: World
) -> None:
    mia = await node.member("mia")
    await node.group(mia, "hidden", visibility=Visibility.PRIVATE)
    meeting = await node.run(
        partial(
            scheduling.schedule_meeting,
            site=node.site,
            viewer=mia,
            acct="hidden",
            given=replace(BASE, title="Private circle", recurrence=Recurrence.WEEKLY),
            now=node.now,
        )
    )
    path = f"/meetings/{meeting.public_id}"
    for who in ("ben", None):
        if who:
            await sign_in(client, who)
        else:
            client.session.cookie_jar.clear()
        status, html = await page(client, path)
        assert status == 404
        assert "Private circle" not in html
        _, group = await page(client, "/groups/hidden")
        assert "Private circle" not in group
        assert "Coming up" not in group
    await sign_in(client, "mia")
    status, html = await page(client, path)
    assert status == 200
    assert "Private circle" in html
    assert "meetings.ics" not in html  # a private group has no public feed


async def test_my_meetings_and_the_private_calendar_address(client: Client, node: World) -> None:
    meeting = await schedule(node, node.people["mod"], join_mode=MeetingJoinMode.OPEN)
    await node.run(
        partial(
            attending.answer,
            viewer=node.people["ben"],
            public_id=meeting.public_id,
            state=Attendance.MAYBE,
            now=node.now,
        )
    )
    await sign_in(client, "ben")
    _, html = await page(client, "/")
    assert 'href="/meetings"' in html  # in the header
    _, html = await page(client, "/meetings")
    assert '<h2 id="maybe-title">Maybe</h2>' in html
    assert "Thursday circle" in html
    assert "Anyone who has the address can read it" in html
    assert 'id="feed-url"' not in html

    status, _, html = await post_form(client, "/meetings", "/meetings/calendar", {})
    assert status == 200
    match = re.search(r'id="feed-url" type="text" value="([^"]+)"', html)
    assert match
    url = match.group(1)
    assert url.startswith("http://node.test/calendar/")
    assert url.endswith(".ics")
    feed = url.removeprefix("http://node.test")
    response = await client.get(feed)
    assert response.status == 200
    assert response.content_type == "text/calendar"
    _, html = await page(client, "/meetings")
    assert "You have a private calendar address." in html
    assert url not in html  # shown only once

    status, location, _ = await post_form(client, "/meetings", "/meetings/calendar/revoke", {})
    assert status == 303
    _, html = await page(client, location)
    assert "Your private calendar address no longer works." in html
    assert (await client.get(feed)).status == 404
    client.session.cookie_jar.clear()
    response = await client.get("/meetings", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/signin")
