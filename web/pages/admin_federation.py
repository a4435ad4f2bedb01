"""The admin's federation policy page: the mode, a rule per domain, Mastodon's
domain-block CSV both ways, whether NodeInfo publishes the policy, and which subscribed
lists each rule came from (the lists themselves: ``web.pages.admin_blocklists``).

For the node's admins, as the admin API's policy routes are. Every change goes
through the same service as the admin API and ``kinfolk policy``
(``federation.actions.policy_change``: ties with refused domains cut, their queued
deliveries dropped, this process's policy cache cleared).
"""

from __future__ import annotations

import re

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.actions import policy_change
from node.errors import InvalidInput, NotFound
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import Mode, Rule, Severity, rules_from_csv, rules_to_csv
from node.handles import check_length
from web.api.admin_api import REASON_MAX as POLICY_REASON_MAX
from web.keys import CLOCK, FEDERATION
from web.pages.admin import signed_in_admin
from web.pages.forms import read_form
from web.pages.moderation import back_to, done_message, page_link
from web.pages.render import Frame, gettext_for, render
from web.pages.transaction import transaction

FEDERATION_PAGE = "/admin/federation"
SEVERITIES = (Severity.SUSPEND, Severity.LIMIT, Severity.NOOP)
MODES = (Mode.OPEN, Mode.BLOCKLIST, Mode.ALLOWLIST)


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
        listed = await storage.list_rules_page(session, cursor=request.query.get("cursor") or None)
    except InvalidInput as error:  # a cursor that is not one of ours
        raise NotFound(error.message) from None
    sources = await subscriptions.sources_of(session, [rule.domain for rule in listed.items])
    done = done_message(request, _)
    count = request.query.get("count", "")
    if done and count.isdigit():
        done += " " + _("Domains imported: %(count)s") % {"count": int(count)}
    editing = request.query.get("edit")
    if rule_form is None:
        found = [rule for rule in listed.items if rule.domain == editing]
        rule_form = _rule_form(found[0] if found else None)
    context = {
        "mode": (await storage.get_mode(session)).value,
        "publish": await storage.get_publish(session),
        "modes": [m.value for m in MODES],
        "severities": [s.value for s in SEVERITIES],
        "rules": [
            (rule, page_link(request, edit=rule.domain), sources.get(rule.domain, []))
            for rule in listed.items
        ],
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
        _, page = await signed_in_admin(request, session)
        return await _federation_page(request, session, page)


async def save_mode(request: web.Request) -> web.Response:
    form = await read_form(request, ("mode",))
    now = request.app[CLOCK]()
    async with transaction(request) as session:
        page = (await signed_in_admin(request, session))[1]
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
        await signed_in_admin(request, session)
        await storage.set_publish(session, publish, now=request.app[CLOCK]())
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
        page = (await signed_in_admin(request, session))[1]
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
        await signed_in_admin(request, session)
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
        page = (await signed_in_admin(request, session))[1]
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
        await signed_in_admin(request, session)
        text = rules_to_csv(await storage.list_rules(session))
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'},
    )
