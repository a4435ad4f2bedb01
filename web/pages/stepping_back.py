"""A moderator steps back from the queue for a while, and comes back
(``node.reports.stepping_back``): two small forms on the queue page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from aiohttp import web

from node.errors import InvalidInput
from node.reports import stepping_back
from web.keys import CLOCK
from web.pages.forms import read_form
from web.pages.moderation import QUEUE, back_to
from web.pages.session import signed_in
from web.pages.transaction import transaction


def _until(value: str) -> datetime | None:
    """The end of the chosen day (UTC), or None (until they come back)."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("a day as YYYY-MM-DD", field="until") from None
    return datetime.combine(day, time.max, tzinfo=UTC)


async def step_back(request: web.Request) -> web.Response:
    """POST /moderation/step-back"""
    form = await read_form(request, ("until",))
    try:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            await stepping_back.step_back(
                session, viewer, until=_until(form["until"]), now=request.app[CLOCK]()
            )
    except InvalidInput:
        return back_to(QUEUE, "bad_day")
    return back_to(QUEUE, "stepped_back")


async def come_back(request: web.Request) -> web.Response:
    """POST /moderation/come-back"""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await stepping_back.come_back(session, viewer)
    return back_to(QUEUE, "came_back")
