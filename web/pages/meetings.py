"""A meeting's page (``/meetings/{id}``) and what members and managers do there: say
whether they are coming, and (facilitators, moderators) cancel it or one of its
dates, move a date, appoint facilitators, and accept or decline those who asked.

Everything goes through ``node.meetings`` as the API does, so the page shows the place
and link only when the domain gives them (to those going, facilitators and
moderators, unless the group shows them to all), and names only those the domain
names (none to other members when attendance is anonymous). Each action is a small
form that sends the browser back to the page with a short confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.kinds import Attendance, Visibility
from node.meetings import attending, reading, scheduling
from node.meetings.access import load_meeting
from node.views import Viewer
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.groups import group_path
from web.pages.meeting_form import meeting_path
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import page_viewer, signed_in
from web.pages.threads import refused
from web.pages.transaction import transaction

Gettext = Callable[[str], str]
# How many coming dates a meeting's page lists.
OCCURRENCES_SHOWN = 6
ANSWERS = {"going": Attendance.GOING, "maybe": Attendance.MAYBE, "not_going": Attendance.NOT_GOING}


def done_messages(_: Gettext) -> dict[str, str]:
    """What a finished action says, by the code it sends the browser back with."""
    return {
        "scheduled": _("The meeting is scheduled."),
        "saved": _("The changes are saved."),
        "answered": _("Thank you: your answer is saved."),
        "left": _("Your answer is taken back."),
        "cancelled": _("The meeting is cancelled. Those who were going have been told."),
        "date_cancelled": _("That date is cancelled. Those who were going have been told."),
        "moved": _("That date has moved. Those who are going have been told."),
        "appointed": _("The facilitator is appointed."),
        "removed": _("They are no longer a facilitator of this meeting."),
        "accepted": _("They are accepted and have been told."),
        "declined": _("They have been told, kindly, that it is not possible this time."),
        "already": _("This was already done, or can no longer be done."),
    }


def _done(request: web.Request, _: Gettext) -> str | None:
    return done_messages(_).get(request.query.get("done", ""))


async def _context(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer | None,
    page: Frame,
    errors: Mapping[str, str],
) -> dict[str, Any]:
    site, now = request.app[SITE], request.app[CLOCK]()
    record = await load_meeting(session, viewer, request.match_info["id"])
    view = await reading.meeting_view(session, record)
    people = await attending.participants(session, viewer, view.public_id)
    path = group_path(view.group, site.domain)
    public = record.group.group.visibility is Visibility.PUBLIC and view.group.local
    return {
        "meeting": view,
        # Sanitised by node.content when the meeting was saved.
        "description_html": Markup(view.description_html),  # noqa: S704
        "occurrences": []
        if view.cancelled
        else reading.next_occurrences(view, now=now, limit=OCCURRENCES_SHOWN),
        "people": people,
        "facilitators": await reading.facilitators_of(session, record),
        "group_path": path,
        "feed_path": f"{path}/meetings.ics" if public else None,
        "here": meeting_path(view.public_id),
        "signed_in": viewer is not None,
        "can_answer": permissions.is_approved(record.group.membership) and not view.cancelled,
        "can_appoint": permissions.is_group_moderator(record.group.membership),
        "done": _done(request, gettext_for(request, page.locale)),
        "errors": errors,
        "signin_path": "/signin?next=" + quote(meeting_path(view.public_id), safe=""),
    }


async def _render(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer | None,
    page: Frame,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    context = await _context(request, session, viewer, page, errors or {})
    return render(request, page, "meeting.html", context, status=status)


async def meeting_page(request: web.Request) -> web.Response:
    """GET /meetings/{id}: the meeting as this visitor may see it (a private group's
    meetings are not found by those outside it)."""
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        page = await frame(request, session, viewer)
        return await _render(request, session, viewer, page)


def _back(public_id: str, done: str, anchor: str = "") -> web.Response:
    return redirect(f"{meeting_path(public_id)}?done={done}{anchor}")


async def answer(request: web.Request) -> web.Response:
    """POST /meetings/{id}/answer: going, maybe, not going, or take the answer back."""
    form = await read_form(request, ("state",))
    public_id, now = request.match_info["id"], request.app[CLOCK]()
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                if form["state"] == "leave":
                    await attending.leave(session, viewer, public_id, now=now)
                elif form["state"] in ANSWERS:
                    state = ANSWERS[form["state"]]
                    await attending.answer(session, viewer, public_id, state, now=now)
                else:
                    errors = {"answer": _("Choose going, maybe or not going.")}
                    return await _render(request, session, viewer, page, errors, 422)
        except PermissionDenied:
            message = _("Only members of this group can say they are coming. Join it first.")
            return refused(request, page, 403, message, meeting_path(public_id))
        except Conflict:
            message = _("This meeting was cancelled, so it takes no answers.")
            return refused(request, page, 409, message, meeting_path(public_id))
        except NotFound:
            await load_meeting(session, viewer, public_id)  # a missing meeting stays a 404
    done = "left" if form["state"] == "leave" else "answered"
    return _back(public_id, done, "#answer-title")


async def cancel_meeting(request: web.Request) -> web.Response:
    """POST /meetings/{id}/cancel: the whole series; everyone going is told."""
    await read_form(request, ())
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        try:
            async with session.begin_nested():
                await scheduling.cancel_meeting(
                    session, viewer, public_id, now=request.app[CLOCK]()
                )
        except Conflict:
            return _back(public_id, "already")
    return _back(public_id, "cancelled")


def _day(request: web.Request) -> date:
    try:
        return date.fromisoformat(request.match_info["date"])
    except ValueError:
        raise NotFound("name the date as 2027-03-18") from None


async def cancel_occurrence(request: web.Request) -> web.Response:
    """POST /meetings/{id}/occurrences/{date}/cancel: one date; everyone going is told."""
    await read_form(request, ())
    public_id, day = request.match_info["id"], _day(request)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        try:
            async with session.begin_nested():
                await scheduling.cancel_occurrence(
                    session, viewer, public_id, day, now=request.app[CLOCK]()
                )
        except Conflict:
            return _back(public_id, "already", "#dates-title")
    return _back(public_id, "date_cancelled", "#dates-title")


async def move_occurrence(request: web.Request) -> web.Response:
    """POST /meetings/{id}/occurrences/{date}/move: another day and time for one date
    (at most 60 days away); everyone going is told."""
    form = await read_form(request, ("date", "time"))
    public_id, day = request.match_info["id"], _day(request)
    field = f"move-{day.isoformat()}"
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            to = datetime.combine(
                date.fromisoformat(form["date"].strip()), time.fromisoformat(form["time"].strip())
            )
            async with session.begin_nested():
                await scheduling.move_occurrence(
                    session, viewer, public_id, day, to, now=request.app[CLOCK]()
                )
        except (ValueError, InvalidInput):
            message = _("Give a new date and time within 60 days, such as 2027-03-19 and 19:00.")
            return await _render(request, session, viewer, page, {field: message}, 422)
        except Conflict:
            return _back(public_id, "already", "#dates-title")
    return _back(public_id, "moved", "#dates-title")


async def facilitators(request: web.Request) -> web.Response:
    """POST /meetings/{id}/facilitators: the group's moderators appoint a member of the
    group as a facilitator of the meeting, or remove one."""
    form = await read_form(request, ("handle", "action"))
    public_id, appoint = request.match_info["id"], form["action"] != "remove"
    handle = form["handle"].strip().removeprefix("@")
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            if not handle:
                raise InvalidInput("name a member", field="handle")
            async with session.begin_nested():
                await scheduling.set_facilitator(
                    session, request.app[SITE], viewer, public_id, handle, appoint=appoint
                )
        except (InvalidInput, NotFound):
            await load_meeting(session, viewer, public_id)  # a missing meeting stays a 404
            message = (
                _("Name a member of this group by their handle, such as ana.")
                if appoint
                else _("This person is not a facilitator of this meeting.")
            )
            return await _render(request, session, viewer, page, {"handle": message}, 422)
    return _back(public_id, "appointed" if appoint else "removed", "#facilitators-title")


async def decide(request: web.Request) -> web.Response:
    """POST /meetings/{id}/participants/{handle}/accept|decline: a facilitator answers
    someone who asked to come; they are told either way."""
    await read_form(request, ())
    public_id, accept = request.match_info["id"], request.match_info["decision"] == "accept"
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        try:
            async with session.begin_nested():
                await attending.decide(
                    session,
                    request.app[SITE],
                    viewer,
                    public_id,
                    request.match_info["handle"],
                    accept=accept,
                    now=request.app[CLOCK](),
                )
        except Conflict:
            return _back(public_id, "already", "#people-title")
    return _back(public_id, "accepted" if accept else "declined", "#people-title")
