"""The iCalendar feeds (``node.meetings.ical``): a public group's meetings at
``/groups/{name}/meetings.ics``, and a member's own at their private, revocable
``/calendar/{token}.ics``. Calendar apps poll these without signing in, so the private
one is opened by its token alone, and says nothing (404) for a token that opens nothing.
"""

from __future__ import annotations

from aiohttp import web

from node.errors import NotFound
from node.meetings import calendar_feeds, feeds, ical
from web.keys import CLOCK, SITE
from web.pages.transaction import transaction

CONTENT_TYPE = "text/calendar"


def _calendar(body: bytes, *, private: bool) -> web.Response:
    response = web.Response(body=body, content_type=CONTENT_TYPE, charset="utf-8")
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


async def group_feed(request: web.Request) -> web.Response:
    """GET /groups/{name}/meetings.ics: a public group's meetings, as anyone sees them."""
    name, site, now = request.match_info["name"], request.app[SITE], request.app[CLOCK]()
    async with transaction(request) as session:
        try:
            views = await feeds.public_group_feed(session, site, name, now=now)
        except NotFound:
            raise web.HTTPNotFound() from None
    body = ical.calendar_of(views, name=name, domain=site.domain, now=now)
    return _calendar(body, private=False)


async def member_feed(request: web.Request) -> web.Response:
    """GET /calendar/{token}.ics: the meetings the token's member is going to."""
    site, now = request.app[SITE], request.app[CLOCK]()
    async with transaction(request) as session:
        owner = await calendar_feeds.feed_owner(session, request.match_info["token"])
        if owner is None:
            raise web.HTTPNotFound()
        views = await feeds.member_feed(session, owner, now=now)
    body = ical.calendar_of(views, name=f"Meetings ({site.domain})", domain=site.domain, now=now)
    return _calendar(body, private=True)


def add_calendar_routes(app: web.Application) -> None:
    app.router.add_get("/groups/{name}/meetings.ics", group_feed)
    app.router.add_get("/calendar/{token:[A-Za-z0-9_-]{1,128}}.ics", member_feed)
