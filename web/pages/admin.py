"""Admin pages: the start page's description and crisis resources, the node's rules,
suspending accounts, and the federation policy.

For the node's admins (``permissions.require_node_admin``, as the admin API asks);
a moderator gets the "not allowed" page. Suspending an account and changing the
federation policy go through the same services as the admin API and ``kinfolk``
(``federation.actions``: a suspended account's queued deliveries dropped; ties
with refused domains cut, their queued deliveries dropped, this process's policy
cache cleared).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.actions import policy_change, suspension
from node import federation_rules, moderation, permissions, rules, site_info, suspensions
from node.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from node.federation_policy import Mode, Rule, Severity, rules_from_csv, rules_to_csv
from node.groups import RULE_DESCRIPTION_MAX, RULE_TITLE_MAX, RULES_MAX
from node.handles import check_length
from node.views import Viewer
from web.api.admin_api import REASON_MAX as POLICY_REASON_MAX
from web.keys import CLOCK, FEDERATION, SITE
from web.pages.forms import read_form
from web.pages.moderation import back_to, done_message, page_link
from web.pages.render import Frame, frame, gettext_for, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

ADMIN = "/admin"
FEDERATION_PAGE = "/admin/federation"
SEVERITIES = (Severity.SUSPEND, Severity.LIMIT, Severity.NOOP)
MODES = (Mode.OPEN, Mode.BLOCKLIST, Mode.ALLOWLIST)
_RULE_FIELD = re.compile(r"^rules\[(\d+)\]\.(title|description)$")


async def _admin(request: web.Request, session: AsyncSession) -> tuple[Viewer, Frame]:
    viewer = await signed_in(request, session)
    permissions.require_node_admin(viewer)
    return viewer, await frame(request, session, viewer)


# --- /admin: the start page, the rules, suspensions ---------------------------------------


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
        "site_form": site_form
        or {
            "description": info.description,
            "crisis_resources": info.crisis_resources,
        },
        "rule_rows": rule_rows or _rule_rows(await rules.list_node_rules(session)),
        "suspend_form": suspend_form or {},
        "errors": errors or {},
        "done": done_message(request, _),
        "description_max": site_info.DESCRIPTION_MAX,
        "crisis_max": site_info.CRISIS_MAX,
        "title_max": RULE_TITLE_MAX,
        "rule_description_max": RULE_DESCRIPTION_MAX,
        "reason_max": moderation.REASON_MAX,
    }
    return render(request, page, "admin.html", context, status=status)


async def settings(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        _, page = await _admin(request, session)
        return await _settings_page(request, session, page)


async def save_site(request: web.Request) -> web.Response:
    form = await read_form(request, ("description", "crisis_resources"))
    async with transaction(request) as session:
        viewer, page = await _admin(request, session)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                await site_info.set_site_info(
                    session,
                    viewer,
                    description=form["description"],
                    crisis_resources=form["crisis_resources"],
                    now=request.app[CLOCK](),
                )
        except InvalidInput as error:
            limit = {
                "description": site_info.DESCRIPTION_MAX,
                "crisis_resources": site_info.CRISIS_MAX,
            }
            field = error.field if error.field in limit else "description"
            message = _("Use at most %(max)s characters.") % {"max": limit[field]}
            return await _settings_page(
                request, session, page, site_form=form, errors={field: message}, status=422
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
        viewer, page = await _admin(request, session)
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
        viewer, page = await _admin(request, session)
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


# --- /admin/federation -------------------------------------------------------------------


def _rule_form(rule: Rule | None = None) -> dict[str, str]:
    if rule is None:
        return {"domain": "", "severity": Severity.SUSPEND.value}
    return {
        "domain": rule.domain,
        "severity": rule.severity.value,
        "reject_media": "on" if rule.reject_media else "",
        "reject_reports": "on" if rule.reject_reports else "",
        "allow": "on" if rule.allow else "",
        "obfuscate": "on" if rule.obfuscate else "",
        "public_reason": rule.public_comment,
        "private_reason": rule.private_comment,
    }


async def _federation_page(
    request: web.Request,
    session: AsyncSession,
    page: Frame,
    *,
    rule_form: dict[str, str] | None = None,
    import_form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    _ = gettext_for(request, page.locale)
    try:
        listed = await federation_rules.list_rules_page(
            session, cursor=request.query.get("cursor") or None
        )
    except InvalidInput as error:  # a cursor that is not one of ours
        raise NotFound(error.message) from None
    done = done_message(request, _)
    count = request.query.get("count", "")
    if done and count.isdigit():
        done += " " + _("Domains imported: %(count)s") % {"count": int(count)}
    editing = request.query.get("edit")
    if rule_form is None:
        found = [rule for rule in listed.items if rule.domain == editing]
        rule_form = _rule_form(found[0] if found else None)
    context = {
        "mode": (await federation_rules.get_mode(session)).value,
        "publish": await federation_rules.get_publish(session),
        "modes": [m.value for m in MODES],
        "severities": [s.value for s in SEVERITIES],
        "rules": [(rule, page_link(request, edit=rule.domain)) for rule in listed.items],
        "next_link": (
            page_link(request, cursor=listed.next_cursor, edit=None) if listed.next_cursor else None
        ),
        "rule_form": rule_form,
        "import_form": import_form or {},
        "errors": errors or {},
        "done": done,
        "reason_max": POLICY_REASON_MAX,
    }
    return render(request, page, "admin_federation.html", context, status=status)


async def federation(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        _, page = await _admin(request, session)
        return await _federation_page(request, session, page)


async def save_mode(request: web.Request) -> web.Response:
    form = await read_form(request, ("mode",))
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        page = (await _admin(request, session))[1]
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                await policy_change.set_mode(
                    session, form["mode"], now=now, cache=request.app[FEDERATION].policy
                )
        except InvalidInput:
            errors = {"mode": _("Please choose one of the modes.")}
            return await _federation_page(request, session, page, errors=errors, status=422)
    return back_to(FEDERATION_PAGE, "mode_saved", FEDERATION_PAGE)


async def save_publish(request: web.Request) -> web.Response:
    """Publish the federation policy in NodeInfo, or stop (as ``kinfolk policy publish``
    and the admin API do); an unticked box sends nothing, so nothing means off."""
    form = await read_form(request, ("publish",))
    publish = form["publish"] == "on"
    async with transaction(request) as session:
        await _admin(request, session)
        await federation_rules.set_publish(session, publish, now=request.app[CLOCK]())
    done = "policy_published" if publish else "policy_unpublished"
    return back_to(FEDERATION_PAGE, done, FEDERATION_PAGE)


RULE_FIELDS = (
    "domain",
    "severity",
    "reject_media",
    "reject_reports",
    "allow",
    "obfuscate",
    "public_reason",
    "private_reason",
)


async def save_rule(request: web.Request) -> web.Response:
    form = await read_form(request, RULE_FIELDS)
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        page = (await _admin(request, session))[1]
        _ = gettext_for(request, page.locale)
        errors: dict[str, str] = {}
        try:
            severity = Severity(form["severity"])
        except ValueError:
            errors["severity"] = _("Please choose what happens to this domain.")
            severity = Severity.NOOP
        for field in ("public_reason", "private_reason"):
            try:
                check_length(form[field].strip(), POLICY_REASON_MAX, field)
            except InvalidInput:
                errors[field] = _("Use at most %(max)s characters.") % {"max": POLICY_REASON_MAX}
        if not errors:
            rule = Rule(
                domain=form["domain"],
                severity=severity,
                reject_media=bool(form["reject_media"]),
                reject_reports=bool(form["reject_reports"]),
                allow=bool(form["allow"]),
                obfuscate=bool(form["obfuscate"]),
                public_comment=form["public_reason"].strip(),
                private_comment=form["private_reason"].strip(),
            )
            try:
                async with session.begin_nested():
                    await policy_change.put_rule(
                        session, rule, now=now, cache=request.app[FEDERATION].policy
                    )
            except InvalidInput:
                errors["domain"] = _(
                    "This is not a domain. Write it like example.org, "
                    "*.example.org or example.org:8443."
                )
        if errors:
            return await _federation_page(
                request, session, page, rule_form=form, errors=errors, status=422
            )
    return back_to(FEDERATION_PAGE, "rule_saved", FEDERATION_PAGE)


async def remove_rule(request: web.Request) -> web.Response:
    form = await read_form(request, ("domain", "back"))
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        await _admin(request, session)
        try:
            async with session.begin_nested():
                # In allowlist mode, removing an allow refuses: that is cut at once too.
                await policy_change.remove_rule(
                    session, form["domain"], now=now, cache=request.app[FEDERATION].policy
                )
        except (NotFound, InvalidInput):
            return back_to(form["back"], "already", FEDERATION_PAGE)
    return back_to(form["back"], "rule_removed", FEDERATION_PAGE)


async def import_rules(request: web.Request) -> web.Response:
    """Mastodon's domain-block CSV, pasted: read whole first, so a bad line changes nothing."""
    form = await read_form(request, ("csv",))
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        page = (await _admin(request, session))[1]
        _ = gettext_for(request, page.locale)
        try:
            parsed = list(rules_from_csv(form["csv"].lstrip("\ufeff").splitlines()))
        except InvalidInput as error:
            line = re.match(r"line (\d+)", error.message)
            message = (
                _("Line %(line)s could not be read. Nothing was imported.")
                % {"line": line.group(1)}
                if line
                else _("This list could not be read. Nothing was imported.")
            )
            return await _federation_page(
                request, session, page, import_form=form, errors={"csv": message}, status=422
            )
        if not parsed:
            message = _("Paste at least one domain.")
            return await _federation_page(
                request, session, page, import_form=form, errors={"csv": message}, status=422
            )
        imported = await policy_change.import_rules(
            session, parsed, now=now, cache=request.app[FEDERATION].policy
        )
    response = back_to(FEDERATION_PAGE, "imported", FEDERATION_PAGE)
    response.headers["Location"] += f"&count={imported.value}"
    return response


async def export_rules(request: web.Request) -> web.Response:
    """The policy as Mastodon's domain-block CSV (no allows, no private reasons)."""
    async with transaction(request) as session:
        await _admin(request, session)
        text = rules_to_csv(await federation_rules.list_rules(session))
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'},
    )
