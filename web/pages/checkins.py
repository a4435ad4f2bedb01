"""A member's check-ins on the pages (``/checkins``): a calm form, the chart of the last 30
or 90 days (``checkin_chart``), their history a page at a time, and per check-in a way
to share it with one of their groups or to delete it.

Everything goes through ``node.checkins``, as the API does. Words that sound like a
crisis bring the crisis resources: beside a check-in just recorded (it is saved, for
the member alone), and before sharing one, with the choice to share it now or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node.checkins import recording, sharing
from node.crisis.drafts import draft_looks_like_crisis
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.views import Viewer
from web.keys import CLOCK, SITE
from web.pages import checkin_labels
from web.pages.checkin_chart import chart, summary
from web.pages.crisis import crisis_resources
from web.pages.forms import read_form
from web.pages.render import PAGES, Frame, frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.threads import refusal_reason, refused
from web.pages.transaction import transaction

PATH = "/checkins"
FIELDS = ("scale", "words", "note")


def _days(request: web.Request) -> int:
    return 90 if request.query.get("days") == "90" else 30


async def _context(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer,
    page: Frame,
    form: dict[str, str],
    errors: dict[str, str],
) -> dict[str, Any]:
    translations = request.app[PAGES][page.locale].translations
    labels = checkin_labels.translated(translations.gettext)
    days, now = _days(request), request.app[CLOCK]()
    points = await recording.history(session, viewer, days=days, now=now)
    said = summary(points, labels, translations.ngettext)
    title = translations.gettext("How you have been, the last %(days)d days") % {"days": days}
    try:
        listed = await recording.list_check_ins(
            session, viewer, cursor=request.query.get("cursor") or None
        )
    except InvalidInput:
        raise web.HTTPSeeOther(location=PATH) from None
    groups = await sharing.groups_to_share_with(session, viewer)
    return {
        "form": form,
        "errors": errors,
        "labels": labels,
        "days": days,
        "summary": said,
        "chart": chart(
            points,
            days=days,
            now=now,
            labels=labels,
            title=title,
            description=said,
            locale=page.locale,
        )
        if points
        else None,
        "check_ins": listed.items,
        "next_cursor": listed.next_cursor,
        "groups": groups,
        "anonymous_groups": [group.name for group in groups if group.anonymous],
        "words_max": recording.WORDS_MAX,
        "word_max": recording.WORD_MAX,
        "note_max": recording.NOTE_MAX,
        "done": request.query.get("done"),
        "crisis": await crisis_resources(request, session, page),
    }


async def checkins_page(request: web.Request) -> web.Response:
    """GET /checkins: the form, the chart and the history."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        context = await _context(request, session, viewer, page, {}, {})
        return render(request, page, "checkins.html", context)


def _errors(form: dict[str, str], _: Callable[[str], str]) -> dict[str, str]:
    errors = {}
    if form["scale"] not in {"1", "2", "3", "4", "5"}:
        errors["scale"] = _("Choose the step that is closest to how you are.")
    words = [word for word in form["words"].split(",") if word.strip()]
    if len(words) > recording.WORDS_MAX:
        errors["words"] = _("Use at most %(max)d words, separated by commas.") % {
            "max": recording.WORDS_MAX
        }
    elif any(len(word.strip()) > recording.WORD_MAX for word in words):
        errors["words"] = _("Keep each word to at most %(max)d characters.") % {
            "max": recording.WORD_MAX
        }
    if len(form["note"].strip()) > recording.NOTE_MAX:
        errors["note"] = _("This is too long: use at most %(max)s characters.") % {
            "max": recording.NOTE_MAX
        }
    return errors


async def record(request: web.Request) -> web.Response:
    """POST /checkins: note how the member is; with crisis words, the resources beside it."""
    form = await read_form(request, FIELDS)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        errors = _errors(form, gettext_for(request, page.locale))
        if errors:
            context = await _context(request, session, viewer, page, form, errors)
            return render(request, page, "checkins.html", context, status=422)
        recorded = await recording.record_check_in(
            session,
            viewer,
            scale=int(form["scale"]),
            words=form["words"].split(","),
            note=form["note"],
            now=request.app[CLOCK](),
        )
        if recorded.crisis_prompt:
            context = await _context(request, session, viewer, page, {}, {})
            context["crisis_offered"] = True
            context["done"] = "recorded"
            return render(request, page, "checkins.html", context)
    return redirect(f"{PATH}?done=recorded#history-title")


async def delete(request: web.Request) -> web.Response:
    """POST /checkins/{id}/delete: the check-in is gone (a post that shared it stays)."""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        try:
            await recording.delete_check_in(session, viewer, request.match_info["id"])
        except NotFound:
            raise web.HTTPNotFound() from None
    return redirect(f"{PATH}?done=deleted#history-title")


async def share(request: web.Request) -> web.Response:
    """POST /checkins/{id}/share: the check-in becomes a post in the chosen group (as an
    anonymous member, when asked and the group allows it); words that sound like a
    crisis bring the resources first, with "Share it" and "Not now"."""
    form = await read_form(request, ("group", "crisis", "anonymous"))
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            check_in = await recording.get_check_in(session, viewer, public_id)
        except NotFound:
            raise web.HTTPNotFound() from None
        if form["crisis"] == "later":
            return redirect(f"{PATH}#checkin-{public_id}")
        if form["crisis"] != "post" and await draft_looks_like_crisis(
            session, *check_in.words, check_in.note
        ):
            context = {
                "check_in": check_in,
                "group": form["group"],
                "anonymous": form["anonymous"] == "yes",
                "labels": checkin_labels.translated(_),
                "crisis": await crisis_resources(request, session, page),
            }
            return render(request, page, "checkin_share.html", context)
        try:
            async with session.begin_nested():
                shared = await sharing.share_check_in(
                    session,
                    request.app[SITE],
                    viewer,
                    public_id,
                    form["group"],
                    anonymous=form["anonymous"] == "yes",
                    now=request.app[CLOCK](),
                )
        except Conflict:
            message = _("This check-in is already shared. You can find it in the group.")
            return refused(request, page, 409, message, PATH)
        except InvalidInput:
            message = _(
                "This group does not take anonymous posts. Untick “Share anonymously” to share "
                "it under your name, or choose a group that takes them."
            )
            return refused(request, page, 422, message, PATH)
        except (PermissionDenied, NotFound) as error:
            status = 403 if isinstance(error, PermissionDenied) else 404
            return refused(request, page, status, refusal_reason(error, _), PATH)
    return redirect(f"/posts/{shared.post.public_id}")
