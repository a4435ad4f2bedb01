"""A member's notifications on the pages (``/notifications``), grouped and calm, each
said in a sentence in the reader's language with a link to what it is about; and their
quiet hours and time zone (``/settings/notifications``).

Both go through the services the API calls (``node.notifications``). The sentences are
made here rather than in the template, so each kind has one sentence in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from node import notifications
from node.errors import InvalidInput
from node.kinds import NotificationKind as K
from node.notifications import NotificationEntry
from node.notifications.quiet import time_zone_names
from web.keys import CLOCK, SITE
from web.notification_paths import subject_path
from web.pages.forms import read_form
from web.pages.render import PAGES, Frame, frame, redirect, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

PATH = "/notifications"
SETTINGS_PATH = "/settings/notifications"
Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def describe(entry: NotificationEntry, _: Gettext, ngettext: Ngettext) -> str:
    """What happened, in one sentence: who (when they may be named), what, about what."""
    if entry.anonymous:
        name = _("An anonymous member")
    elif entry.actor is not None:
        name = entry.actor.display_name or entry.actor.handle
    else:
        name = _("Someone")
    group = entry.group or (entry.post.group if entry.post else None)
    group_name = "" if group is None else group.display_name or group.handle
    title = entry.post.thread_title if entry.post and entry.post.thread_title else None
    subject = _("“%(title)s”") % {"title": title} if title else group_name
    many = entry.count > 1
    sentences = {
        K.REPLY: ngettext(
            "%(num)d new reply to your post in %(subject)s",
            "%(num)d new replies to your post in %(subject)s",
            entry.count,
        )
        if many
        else _("%(name)s replied to your post in %(subject)s"),
        K.MENTION: ngettext(
            "%(num)d new mention of you in %(subject)s",
            "%(num)d new mentions of you in %(subject)s",
            entry.count,
        )
        if many
        else _("%(name)s mentioned you in %(subject)s"),
        K.JOIN_APPROVED: _("You are now a member of %(group)s. Welcome."),
        K.JOIN_REJECTED: _("Your request to join %(group)s was not accepted."),
        K.POST_APPROVED: _("Your post in %(subject)s was approved and is now shared."),
        K.POST_DECLINED: _("Your post in %(subject)s was not accepted by the group."),
        K.CONTENT_REMOVED: _("A moderator removed your post in %(subject)s."),
        K.CONTENT_RESTORED: _("A moderator restored your post in %(subject)s."),
        K.THREAD_LOCKED: _("A moderator closed your thread %(subject)s to new replies."),
        K.MEMBER_BANNED: _("The moderators of %(group)s removed you from the group."),
        K.CONTACT_REQUEST: _("%(name)s asks to talk with you."),
        K.CONVERSATION_MESSAGE: ngettext(
            "%(num)d new message from %(name)s", "%(num)d new messages from %(name)s", entry.count
        )
        if many
        else _("%(name)s wrote to you."),
        K.CONVERSATION_ACCEPTED: _("%(name)s accepted your request to talk."),
        K.CARE_MESSAGE: _("Someone in your community is thinking of you."),
        **(_meeting_sentences(_) if entry.meeting else _group_meeting_sentences(_)),
    }
    values = {"num": entry.count, "name": name, "group": group_name, "subject": subject}
    if entry.meeting is not None:
        values["meeting"] = _("“%(title)s”") % {"title": entry.meeting.title}
    return sentences[entry.kind] % values


def _meeting_sentences(_: Gettext) -> dict[K, str]:
    """About a meeting named by its title (``%(meeting)s``)."""
    return {
        K.MEETING_PROMOTED: _("A place opened up at %(meeting)s in %(group)s, and it is yours."),
        K.MEETING_ACCEPTED: _("Your request to come to %(meeting)s in %(group)s was accepted."),
        K.MEETING_DECLINED: _(
            "Your request to come to %(meeting)s in %(group)s was not accepted this time."
        ),
        K.MEETING_CANCELLED: _(
            "%(meeting)s in %(group)s, which you were going to, was cancelled. Its page says "
            "whether once or altogether."
        ),
        K.MEETING_MOVED: _(
            "A date of %(meeting)s in %(group)s, which you are going to, moved to another time."
        ),
        K.MEETING_REMINDER: _(
            "%(meeting)s in %(group)s, which you are going to, is coming up soon."
        ),
    }


def _group_meeting_sentences(_: Gettext) -> dict[K, str]:
    """About a meeting told before notifications named it: only its group is known."""
    return {
        K.MEETING_PROMOTED: _("A place opened up at a meeting of %(group)s, and it is yours."),
        K.MEETING_ACCEPTED: _("Your request to come to a meeting of %(group)s was accepted."),
        K.MEETING_DECLINED: _(
            "Your request to come to a meeting of %(group)s was not accepted this time."
        ),
        K.MEETING_CANCELLED: _("A meeting of %(group)s you were going to was cancelled."),
        K.MEETING_MOVED: _("A meeting of %(group)s you are going to moved to another time."),
        K.MEETING_REMINDER: _("A meeting of %(group)s you are going to is coming up soon."),
    }


def _entries(
    request: web.Request, page: Frame, found: list[NotificationEntry]
) -> list[dict[str, Any]]:
    translations = request.app[PAGES][page.locale].translations
    _, ngettext = translations.gettext, translations.ngettext
    domain = request.app[SITE].domain
    return [
        {
            "entry": entry,
            "text": describe(entry, _, ngettext),
            "url": subject_path(entry, domain),
        }
        for entry in found
    ]


async def notifications_page(request: web.Request) -> web.Response:
    """GET /notifications: newest first, a page at a time."""
    cursor = request.query.get("cursor") or None
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        now = request.app[CLOCK]()
        try:
            found = await notifications.notifications_of(session, viewer, cursor, now=now)
        except InvalidInput:
            raise web.HTTPSeeOther(location=PATH) from None
        hours = await notifications.quiet_hours_of(session, viewer.account_id)
        until = notifications.quiet_until(hours, now)
    if until is not None:  # said on the member's own clock
        until = until.astimezone(ZoneInfo(hours.time_zone))
    context = {
        "entries": _entries(request, page, list(found.items)),
        "next_cursor": found.next_cursor,
        "quiet_until": until,
        "any_unread": any(not entry.read for entry in found.items),
    }
    return render(request, page, "notifications.html", context)


async def mark_all_read(request: web.Request) -> web.Response:
    """POST /notifications/read: everything is read."""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await notifications.mark_all_read(session, viewer.actor_id, now=request.app[CLOCK]())
    return redirect(PATH)


async def mark_read(request: web.Request) -> web.Response:
    """POST /notifications/{id}/read: one entry (with what it groups) is read."""
    await read_form(request, ())
    try:
        entry_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await notifications.mark_entries_read(
            session, viewer.actor_id, [entry_id], now=request.app[CLOCK]()
        )
    return redirect(PATH)


def _clock(value: time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


async def _settings_page(
    request: web.Request, form: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> web.Response:
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        hours = await notifications.quiet_hours_of(session, viewer.account_id)
    shown = form or {
        "time_zone": hours.time_zone,
        "quiet_start": _clock(hours.start),
        "quiet_end": _clock(hours.end),
    }
    context = {
        "form": shown,
        "errors": errors or {},
        "zones": time_zone_names(),
        "saved": request.query.get("done") == "saved",
    }
    status = 422 if errors else 200
    return render(request, page, "notification_settings.html", context, status=status)


async def settings_page(request: web.Request) -> web.Response:
    """GET /settings/notifications"""
    return await _settings_page(request)


def _read_clock(value: str, field: str, _: Gettext) -> time | None:
    if not value.strip():
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("Give a time such as 22:00."), field=field) from None


async def save_settings(request: web.Request) -> web.Response:
    """POST /settings/notifications: time zone and quiet hours."""
    form = await read_form(request, ("time_zone", "quiet_start", "quiet_end"))
    errors: dict[str, str] = {}
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = request.app[PAGES][page.locale].translations.gettext
        try:
            await notifications.set_quiet_hours(
                session,
                viewer.account_id,
                time_zone=form["time_zone"],
                start=_read_clock(form["quiet_start"], "quiet_start", _),
                end=_read_clock(form["quiet_end"], "quiet_end", _),
            )
        except InvalidInput as refused:
            said = {
                "time_zone": _("Choose a time zone from the list, such as Europe/Berlin."),
                "quiet_end": _(
                    "Give the quiet hours a start and an end (at different times), or leave "
                    "both empty."
                ),
            }
            field = refused.field or "form"
            errors[field] = said.get(field, refused.message)
    if errors:
        return await _settings_page(request, form, errors)
    return redirect(f"{SETTINGS_PATH}?done=saved")
