"""The admin's page of shared blocklists and trusted nodes (``/admin/federation/lists``).

Subscribing, fetching now, the preview, applying, changing a list and leaving it, and
marking nodes trusted: each calls the one service ``kinfolk policy subscription …`` and
``policy trust`` call (``node.federation_policy.subscriptions``,
``federation.blocklists.refresh``, ``federation.actions.policy_change``).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.actions import policy_change
from federation.blocklists import Fetcher, refresh
from node.errors import InvalidInput, NotFound
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import Severity
from node.federation_policy.merging import ChangeKind
from web.keys import CLOCK, FEDERATION
from web.pages.admin import signed_in_admin
from web.pages.forms import read_form
from web.pages.moderation import back_to, done_message
from web.pages.render import Frame, gettext_for, render
from web.pages.transaction import transaction

LISTS_PAGE = "/admin/federation/lists"
CEILINGS = (Severity.LIMIT, Severity.SUSPEND, Severity.NOOP)


async def _lists_page(
    request: web.Request,
    session: AsyncSession,
    page: Frame,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    previewing = request.query.get("preview", "")
    shown = None
    if previewing:
        try:
            shown = await subscriptions.preview(session, previewing)
        except NotFound:
            shown = None
    rules = await storage.list_rules(session)
    context = {
        "lists": await subscriptions.list_subscriptions(session),
        "preview": shown,
        "changes": {kind.value: shown.plan.of(kind) if shown else [] for kind in ChangeKind},
        "trusted": [rule.domain for rule in rules if rule.trusted],
        "ceilings": [c.value for c in CEILINGS],
        "form": form or {"ceiling": Severity.LIMIT.value},
        "errors": errors or {},
        "done": done_message(request, gettext_for(request, page.locale)),
    }
    return render(request, page, "admin_blocklists.html", context, status=status)


async def lists(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        _, page = await signed_in_admin(request, session)
        return await _lists_page(request, session, page)


async def subscribe(request: web.Request) -> web.Response:
    form = await read_form(request, ("url", "name", "ceiling", "auto_apply"))
    async with transaction(request) as session:
        page = (await signed_in_admin(request, session))[1]
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                await subscriptions.subscribe(
                    session,
                    form["url"],
                    ceiling=form["ceiling"],
                    name=form["name"],
                    auto_apply=form["auto_apply"] == "on",
                    now=request.app[CLOCK](),
                )
        except InvalidInput as error:
            messages = {
                "url": _("Give the list's address, starting with https://, once."),
                "name": _("Use at most %(max)s characters.") % {"max": subscriptions.NAME_MAX},
                "ceiling": _("Please choose the most a list may do."),
            }
            errors = {error.field or "url": messages.get(error.field or "url", error.message)}
            return await _lists_page(request, session, page, form=form, errors=errors, status=422)
    return back_to(LISTS_PAGE, "list_subscribed", LISTS_PAGE)


async def act(request: web.Request) -> web.Response:
    """POST /admin/federation/lists/{id}/{action}: fetch now, apply, change or leave."""
    form = await read_form(request, ("ceiling", "auto_apply"))
    ident, action = request.match_info["id"], request.match_info["action"]
    if action not in {"refresh", "apply", "change", "remove"}:
        raise web.HTTPNotFound()
    now, fed = request.app[CLOCK](), request.app[FEDERATION]
    cache = fed.policy
    async with transaction(request) as session:
        await signed_in_admin(request, session)
        try:
            async with session.begin_nested():
                if action == "apply":
                    await policy_change.apply_subscription(session, ident, now=now, cache=cache)
                elif action == "remove":
                    await policy_change.unsubscribe(session, ident, now=now, cache=cache)
                elif action == "change":
                    auto = form["auto_apply"] == "on"
                    await subscriptions.change_subscription(
                        session, ident, ceiling=form["ceiling"], auto_apply=auto
                    )
                else:
                    await subscriptions.subscription(session, ident)  # it still exists
        except (NotFound, InvalidInput):
            return back_to(LISTS_PAGE, "already", LISTS_PAGE)
    if action == "refresh":  # outside the page's transaction: a fetch keeps its own
        fetcher = Fetcher(fed.sessions, fed.http, fed.egress, fed.clock, cache)
        fetched = await refresh(fetcher, ident)
        done = "list_failed" if fetched.error else "list_fetched"
        return back_to(f"{LISTS_PAGE}?preview={ident}", done, LISTS_PAGE)
    done = {"apply": "list_applied", "remove": "list_removed", "change": "list_changed"}[action]
    return back_to(LISTS_PAGE, done, LISTS_PAGE)


async def trust(request: web.Request) -> web.Response:
    """POST /admin/federation/trust: mark a node trusted, or no longer."""
    form = await read_form(request, ("domain", "trusted"))
    trusted = form["trusted"] == "on"
    async with transaction(request) as session:
        page = (await signed_in_admin(request, session))[1]
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                await policy_change.set_trusted(
                    session,
                    form["domain"],
                    trusted,
                    now=request.app[CLOCK](),
                    cache=request.app[FEDERATION].policy,
                )
        except InvalidInput:
            errors = {"domain": _("This is not a domain. Write it like example.org.")}
            return await _lists_page(request, session, page, form=form, errors=errors, status=422)
    return back_to(LISTS_PAGE, "trusted" if trusted else "untrusted", LISTS_PAGE)
