"""Scheduling and editing a meeting on the pages (``/groups/{name}/meetings/new``,
``/meetings/{id}/edit``): one form, read into the domain's ``MeetingInput``
(``node.meetings.scheduling``, which the API calls too), each problem said beside its
field in the visitor's language, and the form given back as it was filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.groups import loading
from node.kinds import MeetingJoinMode, Recurrence
from node.meetings import reading, scheduling
from node.meetings.access import require_can_schedule
from node.meetings.views import MeetingView
from node.notifications import quiet_hours_of
from node.notifications.quiet import time_zone_names
from node.topics import Topic
from node.views import Viewer
from web.keys import CLOCK, SITE
from web.pages import topic_labels
from web.pages.forms import read_form
from web.pages.groups import actor_of, group_path
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.threads import refused
from web.pages.transaction import transaction

Gettext = Callable[[str], str]
FIELDS = (
    *("title", "description", "date", "time", "time_zone", "duration_minutes"),
    *("recurrence", "interval", "until_date", "count", "online_url", "place"),
    *("details_for_attendees", "capacity", "join_mode", "anonymous_attendance"),
    "content_warning",
    *topic_labels.FIELDS,
)


def meeting_path(public_id: str) -> str:
    return "/meetings/" + quote(public_id, safe="")


def _messages(_: Gettext) -> dict[str, str]:
    """What to do about each field the form or the domain refused."""
    return {
        "title": _("Give the meeting a title, of at most %(max)d characters.")
        % {"max": scheduling.TITLE_MAX},
        "description": _("The description is too long: please shorten it."),
        "date": _("Give the date of the first meeting, such as 2027-03-18."),
        "time": _("Give the time it starts, such as 19:00."),
        "time_zone": _("Choose a time zone from the list, such as Europe/Berlin."),
        "duration_minutes": _("Give its length in minutes, from 1 to 1440 (24 hours)."),
        "recurrence": _("Choose how the meeting repeats."),
        "interval": _("Repeat every 1 to 12 weeks or months."),
        "until_date": _("Give the last date as 2027-06-30, not before the first meeting."),
        "count": _("A series has between 1 and 500 meetings, or leave this empty."),
        "capacity": _("Give between 1 and 10000 places, or leave this empty for no limit."),
        "online_url": _("The online link must be a web address beginning with https://."),
        "place": _("The place, link or content warning is too long: please shorten it."),
        "join_mode": _("Choose whether a facilitator confirms who comes."),
    }


def form_of(view: MeetingView) -> dict[str, str]:
    """The form as a manager finds it to edit the meeting (they see the place and link)."""
    return {
        "title": view.title,
        "description": view.description,
        "date": view.starts_local.date().isoformat(),
        "time": view.starts_local.strftime("%H:%M"),
        "time_zone": view.time_zone,
        "duration_minutes": str(view.duration_minutes),
        "recurrence": view.recurrence.value,
        "interval": str(view.interval),
        "until_date": view.until_date.isoformat() if view.until_date else "",
        "count": str(view.count or ""),
        "online_url": view.online_url or "",
        "place": view.place or "",
        "details_for_attendees": "on" if view.details_for_attendees else "",
        "capacity": str(view.capacity or ""),
        "join_mode": view.join_mode.value,
        "anonymous_attendance": "on" if view.anonymous_attendance else "",
        "content_warning": view.content_warning,
        **{f"topic-{topic.value}": "on" for topic in view.topics},
    }


def _number(form: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    """A whole number the member typed ("" is None); a problem is noted under ``name``."""
    text = form[name].strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        errors[name] = ""
        return None
    return int(text)


def read_input(
    form: Mapping[str, str], _: Gettext
) -> tuple[scheduling.MeetingInput | None, dict[str, str]]:
    """The meeting the form describes, or the problems with it by field."""
    errors: dict[str, str] = {}
    try:
        day: date | None = date.fromisoformat(form["date"].strip())
    except ValueError:
        day, errors["date"] = None, ""
    try:
        clock: time | None = time.fromisoformat(form["time"].strip())
    except ValueError:
        clock, errors["time"] = None, ""
    duration = _number(form, "duration_minutes", errors)
    if duration is None:
        errors["duration_minutes"] = ""
    interval = _number(form, "interval", errors)
    count, capacity = _number(form, "count", errors), _number(form, "capacity", errors)
    until = None
    if form["until_date"].strip():
        try:
            until = date.fromisoformat(form["until_date"].strip())
        except ValueError:
            errors["until_date"] = ""
    try:
        recurrence = Recurrence(form["recurrence"] or "none")
    except ValueError:
        recurrence, errors["recurrence"] = Recurrence.NONE, ""
    try:
        join_mode = MeetingJoinMode(form["join_mode"] or "open")
    except ValueError:
        join_mode, errors["join_mode"] = MeetingJoinMode.OPEN, ""
    if not form["title"].strip():
        errors["title"] = ""
    messages = _messages(_)
    if errors or day is None or clock is None or duration is None:
        return None, {name: messages[name] for name in errors}
    given = scheduling.MeetingInput(
        title=form["title"],
        starts_local=datetime.combine(day, clock),
        time_zone=form["time_zone"],
        duration_minutes=duration,
        description=form["description"],
        recurrence=recurrence,
        interval=1 if interval is None else interval,
        until_date=until if recurrence is not Recurrence.NONE else None,
        count=count if recurrence is not Recurrence.NONE else None,
        place=form["place"],
        online_url=form["online_url"],
        details_for_attendees=bool(form["details_for_attendees"]),
        capacity=capacity,
        join_mode=join_mode,
        anonymous_attendance=bool(form["anonymous_attendance"]),
        content_warning=form["content_warning"],
        topics=tuple(Topic(value) for value in topic_labels.from_form(form)),
    )
    return given, {}


def domain_error(error: InvalidInput, _: Gettext) -> dict[str, str]:
    """The domain's refusal of a field, said as the form says it."""
    messages = _messages(_)
    name = error.field if error.field in messages else "form"
    return {name: messages.get(name, _("This meeting could not be saved as it is."))}


def _context(
    request: web.Request,
    page: Frame,
    form: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    action: str,
    heading: str,
    back: str,
) -> dict[str, Any]:
    _ = gettext_for(request, page.locale)
    return {
        "form": form,
        "errors": errors,
        "action": action,
        "heading": heading,
        "back": back,
        "zones": time_zone_names(),
        "topics": topic_labels.options(_, topic_labels.from_form(form)),
        "title_max": scheduling.TITLE_MAX,
    }


async def _schedulable(
    request: web.Request, session: AsyncSession, viewer: Viewer
) -> loading.GroupRecord:
    group = await loading.load_group(session, request.app[SITE], viewer, request.match_info["name"])
    if not group.actor.local:
        raise NotFound("meetings are scheduled on their group's own node")
    require_can_schedule(group)
    return group


async def schedule_form(request: web.Request) -> web.Response:
    """GET /groups/{name}/meetings/new: an empty form, in the member's own time zone."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        group = await _schedulable(request, session, viewer)
        zone = (await quiet_hours_of(session, viewer.account_id)).time_zone
    _ = gettext_for(request, page.locale)
    form = {name: "" for name in FIELDS} | {
        "time_zone": zone,
        "duration_minutes": "90",
        "recurrence": "none",
        "interval": "1",
        "details_for_attendees": "on",
        "join_mode": "open",
    }
    back = group_path(actor_of(group), request.app[SITE].domain)
    context = _context(
        request, page, form, {}, action=request.path, heading=_("Schedule a meeting"), back=back
    )
    return render(request, page, "meeting_form.html", context)


async def schedule(request: web.Request) -> web.Response:
    """POST /groups/{name}/meetings/new: schedule it, then show its page."""
    form = await read_form(request, FIELDS)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        group = await _schedulable(request, session, viewer)
        given, errors = read_input(form, _)
        if given is not None:
            try:
                async with session.begin_nested():
                    view = await scheduling.schedule_meeting(
                        session,
                        request.app[SITE],
                        viewer,
                        request.match_info["name"],
                        given,
                        now=request.app[CLOCK](),
                    )
            except InvalidInput as error:
                errors = domain_error(error, _)
    if errors:
        back = group_path(actor_of(group), request.app[SITE].domain)
        heading = _("Schedule a meeting")
        context = _context(
            request, page, form, errors, action=request.path, heading=heading, back=back
        )
        return render(request, page, "meeting_form.html", context, status=422)
    return redirect(meeting_path(view.public_id) + "?done=scheduled")


async def _managed_view(request: web.Request, session: AsyncSession, viewer: Viewer) -> MeetingView:
    view = await reading.get_meeting(session, viewer, request.match_info["id"])
    if not view.can_manage:
        raise PermissionDenied("only this meeting's facilitators and the group's moderators can")
    return view


def _cancelled(request: web.Request, page: Frame, public_id: str) -> web.Response:
    _ = gettext_for(request, page.locale)
    message = _("This meeting was cancelled, so it can no longer be changed.")
    return refused(request, page, 409, message, meeting_path(public_id))


async def edit_form(request: web.Request) -> web.Response:
    """GET /meetings/{id}/edit: the meeting's form, filled in, for its managers."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        view = await _managed_view(request, session, viewer)
    if view.cancelled:
        return _cancelled(request, page, view.public_id)
    _ = gettext_for(request, page.locale)
    context = _context(
        request,
        page,
        form_of(view),
        {},
        action=request.path,
        heading=_("Change the meeting"),
        back=meeting_path(view.public_id),
    )
    return render(request, page, "meeting_form.html", context)


async def edit(request: web.Request) -> web.Response:
    """POST /meetings/{id}/edit: save the changes (calendars take them up), then show it."""
    form = await read_form(request, FIELDS)
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        await _managed_view(request, session, viewer)
        given, errors = read_input(form, _)
        if given is not None:
            try:
                async with session.begin_nested():
                    await scheduling.edit_meeting(
                        session, viewer, public_id, given, now=request.app[CLOCK]()
                    )
            except InvalidInput as error:
                errors = domain_error(error, _)
            except Conflict:
                return _cancelled(request, page, public_id)
    if errors:
        context = _context(
            request,
            page,
            form,
            errors,
            action=request.path,
            heading=_("Change the meeting"),
            back=meeting_path(public_id),
        )
        return render(request, page, "meeting_form.html", context, status=422)
    return redirect(meeting_path(public_id) + "?done=saved")
