"""Lists of meetings: what is coming up in a group (on its page), and a member's own
meetings (``/meetings``) with their private calendar feed, which they make, copy and
revoke there.

The feed's URL is shown once, on the page that answers the form that made it: only a
hash of its token is kept (``node.meetings.calendar_feeds``), so it cannot be shown
again, and it is never put in an address (where history and logs would keep it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.kinds import Attendance
from node.meetings import calendar_feeds, reading
from node.meetings.views import MeetingView, OccurrenceView
from node.site import Site
from node.views import Viewer
from web.api.calendar_api import feed_path
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

PATH = "/meetings"
# How many coming dates a group's page shows.
COMING_UP = 5
# The sections of "my meetings", by the member's answer.
SECTIONS = (
    ("going", (Attendance.GOING,)),
    ("waiting", (Attendance.WAITING, Attendance.PENDING)),
    ("maybe", (Attendance.MAYBE,)),
)


async def coming_up(
    session: AsyncSession, site: Site, viewer: Viewer | None, name: str, *, now: datetime
) -> list[OccurrenceView]:
    """The group's next few dates, for its page (the group is one the viewer may read)."""
    page = await reading.upcoming_in_group(session, site, viewer, name, now=now, limit=COMING_UP)
    return list(page.items)


@dataclass(frozen=True)
class MyMeeting:
    meeting: MeetingView
    # Its next date that is not cancelled, if any.
    next: OccurrenceView | None


def _mine(view: MeetingView, now: datetime) -> MyMeeting:
    dates = reading.next_occurrences(view, now=now, limit=10)
    return MyMeeting(view, next((o for o in dates if not o.cancelled), None))


async def _context(
    request: web.Request, session: AsyncSession, viewer: Viewer, page: Frame
) -> dict[str, Any]:
    now = request.app[CLOCK]()
    try:
        found = await reading.my_meetings(
            session, viewer, request.query.get("cursor") or None, now=now
        )
    except InvalidInput:
        raise web.HTTPSeeOther(location=PATH) from None
    mine = [_mine(view, now) for view in found.items]
    _ = gettext_for(request, page.locale)
    done = {
        "revoked": _("Your private calendar address no longer works."),
        "no_feed": _("You had no private calendar address."),
    }
    return {
        "sections": [
            (key, [m for m in mine if m.meeting.attendance in states]) for key, states in SECTIONS
        ],
        "any": bool(mine),
        "next_cursor": found.next_cursor,
        "has_feed": await calendar_feeds.has_feed(session, viewer),
        "feed_url": None,
        "done": done.get(request.query.get("done", "")),
    }


async def my_meetings(request: web.Request) -> web.Response:
    """GET /meetings: the meetings the member is going to, waiting for, or might come to."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        context = await _context(request, session, viewer, page)
    return render(request, page, "my_meetings.html", context)


async def make_feed(request: web.Request) -> web.Response:
    """POST /meetings/calendar: a new private calendar address (an old one stops working),
    shown this once."""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        token = await calendar_feeds.rotate_feed(session, viewer, now=request.app[CLOCK]())
        context = await _context(request, session, viewer, page)
    context["has_feed"] = True
    context["feed_url"] = request.app[SITE].base_url.rstrip("/") + feed_path(token)
    response = render(request, page, "my_meetings.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def revoke_feed(request: web.Request) -> web.Response:
    """POST /meetings/calendar/revoke: the private calendar address stops working."""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        revoked = await calendar_feeds.revoke_feed(session, viewer)
    return redirect(f"{PATH}?done={'revoked' if revoked else 'no_feed'}#calendar-title")
