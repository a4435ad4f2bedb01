"""Care: "I'm worried about this person" from a post or a profile, a member's messages
from their communities, and the care queue's steps (reach out, share resources).

Filing goes through ``node.reports.care``; the form says beforehand, and the answer
after, where it goes: to the member here, to their Kinfolk node, or (other software)
nowhere but this node's moderators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import Conflict, InvalidInput, PermissionDenied
from node.reports import care, care_messages
from node.reports.care import CareReach
from node.reports.filing import REASON_MAX
from node.views import Viewer
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.moderation import back_to
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.reports import Target, member_target, post_target
from web.pages.session import signed_in
from web.pages.threads import refusal_reason, refused
from web.pages.transaction import transaction

MESSAGES = "/care-messages"


def reach_said(reach: CareReach, _: Callable[[str], str]) -> str:
    """Where a care report goes, as the member filing it is told (before and after)."""
    return {
        CareReach.HERE: _(
            "They will receive a kind message from this node with places to find support. "
            "It does not say who you are or what you wrote."
        ),
        CareReach.THEIR_NODE: _(
            "They are on another Kinfolk node. It is sent there without your name or your "
            "words, and their node sends them a kind message with places to find support."
        ),
        CareReach.NOT_SENT: _(
            "They are on a server that does not read care reports, so nothing is sent "
            "there: its moderators could read it as an accusation. This node's moderators "
            "will see it."
        ),
    }[reach]


TargetOf = Callable[[web.Request, AsyncSession, Viewer], Any]


async def _post(request: web.Request, session: AsyncSession, viewer: Viewer) -> Target:
    return await post_target(request, session, viewer)


async def _member(request: web.Request, session: AsyncSession, viewer: Viewer) -> Target:
    return await member_target(request, session)


def _gone(request: web.Request, page: Frame, error: Conflict, back: str) -> web.Response:
    _ = gettext_for(request, page.locale)
    if "already" in error.message and "reported" in error.message:
        message = _(
            "You have told the moderators already, and they are still looking after it. "
            "Thank you for caring; there is nothing more you need to do."
        )
    else:
        message = refusal_reason(error, _)
    return refused(request, page, 409, message, back)


async def _form(
    request: web.Request, target_of: TargetOf, form: dict[str, str] | None = None
) -> web.Response:
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            target = await target_of(request, session, viewer)
        except Conflict as error:
            return _gone(request, page, error, "/")
        reach = await care.reach_for(session, target.author.uri)
        context = {
            "target": target,
            "action": f"{target.back}/care",
            "form": form or {},
            "errors": {},
            "reason_max": REASON_MAX,
            "reach": reach_said(reach, _),
        }
        return render(request, page, "care_report.html", context)


async def _file(request: web.Request, target_of: TargetOf) -> web.Response:
    form = await read_form(request, ("reason",))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            target = await target_of(request, session, viewer)
            async with session.begin_nested():
                filed = await care.file_care_report(
                    session,
                    request.app[SITE],
                    viewer,
                    post_id=target.post_id,
                    acct=target.acct,
                    reason=form["reason"],
                    now=request.app[CLOCK](),
                )
        except Conflict as error:
            return _gone(request, page, error, "/")
        except PermissionDenied as error:
            return refused(request, page, 403, refusal_reason(error, _), kept=form["reason"])
        except InvalidInput:
            context = {
                "target": target,
                "action": f"{target.back}/care",
                "form": form,
                "errors": {
                    "reason": _("This is too long: use at most %(max)s characters.")
                    % {"max": REASON_MAX}
                },
                "reason_max": REASON_MAX,
                "reach": reach_said(await care.reach_for(session, target.author.uri), _),
            }
            return render(request, page, "care_report.html", context, status=422)
        context = {"target": target, "reach": reach_said(filed.reach, _)}
        return render(request, page, "care_sent.html", context)


async def care_post_form(request: web.Request) -> web.Response:
    """GET /posts/{id}/care"""
    return await _form(request, _post)


async def care_post(request: web.Request) -> web.Response:
    """POST /posts/{id}/care"""
    return await _file(request, _post)


async def care_member_form(request: web.Request) -> web.Response:
    """GET /members/{name}/care"""
    return await _form(request, _member)


async def care_member(request: web.Request) -> web.Response:
    """POST /members/{name}/care"""
    return await _file(request, _member)


# --- a member's messages ------------------------------------------------------------------


async def messages(request: web.Request) -> web.Response:
    """GET /care-messages: the member's kind messages, with their resources."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        found = await care_messages.list_messages(session, viewer)
        return render(request, page, "care_messages.html", {"messages": found})


async def read_message(request: web.Request) -> web.Response:
    """POST /care-messages/{id}/read"""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await care_messages.mark_read(
            session, viewer, request.match_info["id"], now=request.app[CLOCK]()
        )
    return redirect(MESSAGES)


# --- the care queue's steps ---------------------------------------------------------------


async def _step(request: web.Request, done: str, step: Callable[..., Any]) -> web.Response:
    form = await read_form(request, ("back",))
    try:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            said = await step(session, viewer, request.match_info["id"])
    except Conflict:
        return back_to(form["back"], "already")
    return back_to(form["back"], said or done)


async def reach_out(request: web.Request) -> web.Response:
    """POST /moderation/reports/{id}/reach-out"""

    async def step(session: AsyncSession, viewer: Viewer, report_id: str) -> None:
        await care.reach_out(session, viewer, report_id)

    return await _step(request, "reaching_out", step)


async def share_resources(request: web.Request) -> web.Response:
    """POST /moderation/reports/{id}/share-resources"""
    now = request.app[CLOCK]()

    async def step(session: AsyncSession, viewer: Viewer, report_id: str) -> str:
        sent = await care.share_resources(session, viewer, report_id, now=now)
        return "resources_shared" if sent else "resources_unread"

    return await _step(request, "resources_shared", step)
