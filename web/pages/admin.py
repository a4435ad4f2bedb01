"""Admin pages: the start page's description, the node's rules (its crisis resources:
``crisis_editor``),
and suspending accounts (the federation policy has its own page: ``admin_federation``).

For the node's admins (``permissions.require_node_admin``, as the admin API asks);
a moderator gets the "not allowed" page. Suspending an account goes through the
same service as the admin API and ``kinfolk mod suspend``
(``federation.actions.suspension``: its queued deliveries are dropped too).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.actions import suspension
from node import moderation, permissions, rules, site_info, suspensions
from node.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from node.groups.limits import RULE_DESCRIPTION_MAX, RULE_TITLE_MAX, RULES_MAX
from node.views import Viewer
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.moderation import back_to, done_message
from web.pages.render import Frame, frame, gettext_for, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

ADMIN = "/admin"
_RULE_FIELD = re.compile(r"^rules\[(\d+)\]\.(title|description)$")


async def signed_in_admin(request: web.Request, session: AsyncSession) -> tuple[Viewer, Frame]:
    """The signed-in admin and the page's frame; anyone else is refused."""
    viewer = await signed_in(request, session)
    permissions.require_node_admin(viewer)
    return viewer, await frame(request, session, viewer)


def _rule_rows(current: list[rules.Rule]) -> list[dict[str, str]]:
    rows = [{"id": str(r.id), "title": r.title, "description": r.description} for r in current]
    if len(rows) < RULES_MAX:
        rows.append({"id": "", "title": "", "description": ""})
    return rows


async def _settings_page(
    request: web.Request,
    session: AsyncSession,
    page: Frame,
    *,
    site_form: dict[str, str] | None = None,
    rule_rows: list[dict[str, str]] | None = None,
    suspend_form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    _ = gettext_for(request, page.locale)
    info = await site_info.get_site_info(session)
    context = {
        "site_form": site_form or {"description": info.description},
        "rule_rows": rule_rows or _rule_rows(await rules.list_node_rules(session)),
        "suspend_form": suspend_form or {},
        "errors": errors or {},
        "done": done_message(request, _),
        "description_max": site_info.DESCRIPTION_MAX,
        "title_max": RULE_TITLE_MAX,
        "rule_description_max": RULE_DESCRIPTION_MAX,
        "reason_max": moderation.REASON_MAX,
    }
    return render(request, page, "admin.html", context, status=status)


async def settings(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        _, page = await signed_in_admin(request, session)
        return await _settings_page(request, session, page)


async def save_site(request: web.Request) -> web.Response:
    form = await read_form(request, ("description",))
    async with transaction(request) as session:
        viewer, page = await signed_in_admin(request, session)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                await site_info.set_site_info(
                    session,
                    viewer,
                    description=form["description"],
                    now=request.app[CLOCK](),
                )
        except InvalidInput:
            message = _("Use at most %(max)s characters.") % {"max": site_info.DESCRIPTION_MAX}
            return await _settings_page(
                request, session, page, site_form=form, errors={"description": message}, status=422
            )
    return back_to(ADMIN, "site_saved", ADMIN)


def _rule_fields() -> tuple[str, ...]:
    return tuple(
        f"{name}_{index}"
        for index in range(RULES_MAX + 1)
        for name in ("id", "title", "description")
    )


def _rule_error(error: InvalidInput, rows: list[int], _: Callable[[str], str]) -> dict[str, str]:
    match = _RULE_FIELD.match(error.field or "")
    if match is None:
        return {"rules": _("The rules could not be saved. Please reload the page and try again.")}
    row, part = rows[int(match.group(1))], match.group(2)
    if part == "title":
        return {f"title_{row}": _("Use at most %(max)s characters.") % {"max": RULE_TITLE_MAX}}
    return {
        f"description_{row}": _("Use at most %(max)s characters.") % {"max": RULE_DESCRIPTION_MAX}
    }


async def save_rules(request: web.Request) -> web.Response:
    """The whole list at once: a row whose title is emptied is deleted, a new row added."""
    form = await read_form(request, _rule_fields())
    submitted = [
        {
            "id": form[f"id_{i}"],
            "title": form[f"title_{i}"],
            "description": form[f"description_{i}"],
        }
        for i in range(RULES_MAX + 1)
        if form[f"id_{i}"] or form[f"title_{i}"] or form[f"description_{i}"]
    ]
    async with transaction(request) as session:
        viewer, page = await signed_in_admin(request, session)
        _ = gettext_for(request, page.locale)
        changes: list[rules.RuleChange] = []
        rows: list[int] = []
        errors: dict[str, str] = {}
        for index, row in enumerate(submitted):
            if not row["title"].strip():
                if row["description"].strip():
                    errors[f"title_{index}"] = _(
                        "A rule needs a title. Empty both fields to delete it."
                    )
                continue
            rule_id = int(row["id"]) if row["id"].isdigit() else None
            changes.append(rules.RuleChange(row["title"], row["description"], rule_id))
            rows.append(index)
        if not errors:
            try:
                async with session.begin_nested():
                    await rules.set_node_rules(session, viewer, changes)
            except InvalidInput as error:
                errors = _rule_error(error, rows, _)
        if errors:
            shown = [*submitted, {"id": "", "title": "", "description": ""}]
            return await _settings_page(
                request,
                session,
                page,
                rule_rows=shown[: RULES_MAX + 1],
                errors=errors,
                status=422,
            )
    return back_to(ADMIN, "rules_saved", ADMIN)


async def suspend(request: web.Request) -> web.Response:
    """Suspend an account of this node, saying why, or lift a suspension."""
    form = await read_form(request, ("acct", "reason", "action"))
    lift = form["action"] == "unsuspend"
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        viewer, page = await signed_in_admin(request, session)
        _ = gettext_for(request, page.locale)
        acct = form["acct"].strip().removeprefix("@")
        try:
            async with session.begin_nested():
                if lift:
                    await suspensions.unsuspend_account(
                        session, request.app[SITE], viewer, acct, reason=form["reason"], now=now
                    )
                else:
                    # Nothing more goes out for it, not even what was queued (as the API does).
                    await suspension.suspend_account(
                        session, request.app[SITE], viewer, acct, reason=form["reason"], now=now
                    )
        except (InvalidInput, NotFound, Conflict, PermissionDenied) as error:
            errors = {"acct": _suspension_error(error, lift, _)}
            if isinstance(error, InvalidInput) and error.field == "reason":
                limit = moderation.REASON_MAX
                errors = {"reason": _("Use at most %(max)s characters.") % {"max": limit}}
            return await _settings_page(
                request, session, page, suspend_form=form, errors=errors, status=422
            )
    return back_to(ADMIN, "unsuspended" if lift else "suspended", ADMIN)


def _suspension_error(error: DomainError, lift: bool, _: Callable[[str], str]) -> str:
    if isinstance(error, NotFound):
        if lift and error.field != "acct":
            return _("This account is not suspended.")
        return _("There is no account with this name on this node.")
    if isinstance(error, Conflict):
        return _("This account is suspended already.")
    if isinstance(error, PermissionDenied):
        return _(
            "You cannot suspend this account (your own, or that of another admin or "
            "moderator if you are not an admin)."
        )
    return _("Only accounts of this node can be suspended. Write the username, for example ana.")
