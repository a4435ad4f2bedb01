"""Reporting a post or a member to the moderators, from the post or the member's page.

The report goes through ``node.reports.file_report``: it reaches the group's moderators
and the node's staff; with the reporter's consent it is also sent, without their name,
to the node the author is on.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node import accounts, rules
from node.errors import Conflict, InvalidInput, PermissionDenied
from node.posts import reading
from node.reports import filing
from node.reports.filing import REASON_MAX
from node.views import ActorRef, Viewer
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, render
from web.pages.session import signed_in
from web.pages.threads import Gettext, refusal_reason, refused
from web.pages.transaction import transaction

FIELDS = ("reason", "rule", "forward")


class Target:
    """What is reported: a post (``post_id``) or a member (``acct``), and where to go back."""

    def __init__(
        self,
        *,
        author: ActorRef,
        back: str,
        post_id: str | None = None,
        acct: str | None = None,
        group_acct: str | None = None,
        title: str | None = None,
    ) -> None:
        self.author, self.back, self.post_id, self.acct = author, back, post_id, acct
        self.group_acct, self.title = group_acct, title

    @property
    def action(self) -> str:
        return f"{self.back}/report"


async def post_target(request: web.Request, session: AsyncSession, viewer: Viewer) -> Target:
    view = await reading.get_post(session, viewer, request.match_info["id"])
    if view.author is None:  # deleted or removed: there is nothing left to report
        raise Conflict("this post was deleted or removed already")
    return Target(
        author=view.author,
        back=f"/posts/{view.public_id}",
        post_id=view.public_id,
        group_acct=view.group.acct,
        title=view.title,
    )


async def member_target(request: web.Request, session: AsyncSession) -> Target:
    name = request.match_info["name"]
    profile = await accounts.get_profile(session, name, request.app[SITE].domain)
    return Target(
        author=profile.actor, back=f"/members/{profile.actor.handle}", acct=profile.actor.acct
    )


async def _context(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer,
    target: Target,
    form: dict[str, str],
    errors: dict[str, str],
) -> dict[str, Any]:
    group_rules = []
    if target.group_acct is not None:
        group_rules = await rules.list_group_rules(
            session, request.app[SITE], viewer, target.group_acct
        )
    return {
        "target": target,
        "form": form,
        "errors": errors,
        "reason_max": REASON_MAX,
        "group_rules": group_rules,
        "node_rules": await rules.list_node_rules(session),
        "can_forward": not target.author.local,
    }


def _chosen_rule(value: str, context: dict[str, Any]) -> tuple[int | None, int | None] | None:
    """(group rule id, node rule id) from the radio button, or None if it is not one listed."""
    if not value:
        return None, None
    kind, _, number = value.partition(":")
    listed = {"group": context["group_rules"], "node": context["node_rules"]}.get(kind)
    if listed is None or not number.isdigit() or int(number) not in {r.id for r in listed}:
        return None
    return (int(number), None) if kind == "group" else (None, int(number))


async def _show(request: web.Request, target_of: Any) -> web.Response:
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        try:
            target = await target_of(request, session, viewer)
        except Conflict as error:
            _ = gettext_for(request, page.locale)
            return refused(request, page, 409, refusal_reason(error, _))
        context = await _context(request, session, viewer, target, {}, {})
        return render(request, page, "report.html", context)


def _repeat_or_gone(request: web.Request, page: Frame, error: Conflict, back: str) -> web.Response:
    _ = gettext_for(request, page.locale)
    if "already" in error.message and "reported" in error.message:
        message = _(
            "You have reported this already, and the moderators are still looking at it. "
            "Thank you for telling them; there is nothing more you need to do."
        )
    else:
        message = refusal_reason(error, _)
    return refused(request, page, 409, message, back)


def _reason_error(error: InvalidInput, _: Gettext) -> str:
    if error.message.startswith("at most"):
        return _("This is too long: use at most %(max)s characters.") % {"max": REASON_MAX}
    return _("Say in a few words what is wrong, or choose a rule it breaks.")


async def _file(request: web.Request, target_of: Any) -> web.Response:
    form = await read_form(request, FIELDS)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            target = await target_of(request, session, viewer)
        except Conflict as error:
            return _repeat_or_gone(request, page, error, "/")
        context = await _context(request, session, viewer, target, form, {})
        chosen = _chosen_rule(form["rule"], context)
        errors: dict[str, str] = {}
        if chosen is None:
            errors["rule"] = _("Choose one of the rules listed, or none of them.")
        else:
            group_rule, node_rule = chosen
            try:
                async with session.begin_nested():
                    await filing.file_report(
                        session,
                        request.app[SITE],
                        viewer,
                        post_id=target.post_id,
                        acct=target.acct,
                        reason=form["reason"],
                        group_rule_id=group_rule,
                        node_rule_id=node_rule,
                        forward=form["forward"] == "yes",
                        now=request.app[CLOCK](),
                    )
            except InvalidInput as error:
                errors["reason"] = _reason_error(error, _)
            except PermissionDenied as error:
                message = refusal_reason(error, _)
                return refused(request, page, 403, message, target.back, kept=form["reason"])
            except Conflict as error:
                return _repeat_or_gone(request, page, error, target.back)
        if errors:
            context["errors"] = errors
            return render(request, page, "report.html", context, status=422)
        return render(request, page, "report_sent.html", {"target": target})


async def _post(request: web.Request, session: AsyncSession, viewer: Viewer) -> Target:
    return await post_target(request, session, viewer)


async def _member(request: web.Request, session: AsyncSession, viewer: Viewer) -> Target:
    return await member_target(request, session)


async def report_post_form(request: web.Request) -> web.Response:
    """GET /posts/{id}/report"""
    return await _show(request, _post)


async def report_post(request: web.Request) -> web.Response:
    """POST /posts/{id}/report"""
    return await _file(request, _post)


async def report_member_form(request: web.Request) -> web.Response:
    """GET /members/{name}/report"""
    return await _show(request, _member)


async def report_member(request: web.Request) -> web.Response:
    """POST /members/{name}/report"""
    return await _file(request, _member)
