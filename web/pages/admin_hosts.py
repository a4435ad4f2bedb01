"""The admin's page for one other node (``/admin/federation/hosts/{host}``): how sending
to it goes, what waits for it, and retrying or dropping that.

For the node's admins. The breaker, the failure streak and the queue come from
``federation.delivery.host_admin``, which also does *Retry now* and *Drop pending*, as
``kinfolk delivery retry`` and ``drop`` do. Dropping asks first, on a page of its own,
so a slip of the hand drops nothing. Times are in the admin's own time zone.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from federation.delivery import host_admin
from node.errors import Conflict, InvalidInput, NotFound
from web.keys import CLOCK
from web.pages.admin import signed_in_admin
from web.pages.delivery_status import viewer_zone
from web.pages.forms import read_form
from web.pages.moderation import back_to, page_link
from web.pages.render import Frame, gettext_for, redirect, render
from web.pages.transaction import transaction

PAGE_SIZE = 50


def host_page(host: str) -> str:
    """The address of a host's page (other pages link here)."""
    return f"/admin/federation/hosts/{quote(host, safe=':[]')}"


def _host(request: web.Request) -> str:
    """The host in the address, as the queue keys it; 404 for what is not a host."""
    given = request.match_info["host"]
    try:
        host = host_admin.parse_host(given)
    except InvalidInput:
        raise NotFound("not a host") from None
    if host != given.lower():
        raise NotFound("not a host")
    return host


def _done(request: web.Request, page: Frame) -> str | None:
    _ = gettext_for(request, page.locale)
    count = request.query.get("count", "")
    number = int(count) if count.isdigit() else 0
    done = request.query.get("done")
    if done == "retried":
        return _("%(count)s deliveries are due now, and the breaker is closed.") % {"count": number}
    if done == "dropped":
        return _(
            "%(count)s pending deliveries were dropped. They stay listed as failed, with "
            "the reason."
        ) % {"count": number}
    if done == "refused":
        return _("Federation policy refuses this node: nothing is sent there.")
    return None


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone)


async def host(request: web.Request) -> web.Response:
    """GET /admin/federation/hosts/{host}: the host's breaker, streak and pending queue."""
    async with transaction(request) as session:
        viewer, page = await signed_in_admin(request, session)
        name = _host(request)
        before = request.query.get("before", "")
        health = await host_admin.host_health(session, name, request.app[CLOCK]())
        queue = await host_admin.host_queue(
            session, name, before=int(before) if before.isdigit() else None, limit=PAGE_SIZE
        )
        zone = await viewer_zone(session, viewer)
    context = {
        "host": name,
        "health": health,
        "times": {
            field: _local(getattr(health, field), zone)
            for field in (
                "breaker_open_until",
                "failing_since",
                "unreachable_since",
                "last_success_at",
            )
        },
        "queue": [
            (item, _local(item.created_at, zone), _local(item.next_attempt_at, zone))
            for item in queue.items
        ],
        "next_link": (
            page_link(request, before=str(queue.next_before)) if queue.next_before else None
        ),
        "done": _done(request, page),
        "page_url": host_page(name),
    }
    return render(request, page, "admin_host.html", context)


async def retry(request: web.Request) -> web.Response:
    """POST .../retry: send what waits for the host now, and close its breaker."""
    await read_form(request, ())
    async with transaction(request) as session:
        await signed_in_admin(request, session)
        name = _host(request)
        try:
            async with session.begin_nested():
                retried = await host_admin.retry_host(session, name, now=request.app[CLOCK]())
        except Conflict:
            return back_to(host_page(name), "refused", host_page(name))
    return _back_with_count(name, "retried", retried)


async def confirm_drop(request: web.Request) -> web.Response:
    """GET .../drop: are you sure? (how many would be dropped)."""
    async with transaction(request) as session:
        _, page = await signed_in_admin(request, session)
        name = _host(request)
        health = await host_admin.host_health(session, name, request.app[CLOCK]())
    context = {"host": name, "pending": health.pending, "page_url": host_page(name)}
    return render(request, page, "admin_host_drop.html", context)


async def drop(request: web.Request) -> web.Response:
    """POST .../drop: fail the host's pending deliveries, as dropped by an admin."""
    await read_form(request, ())
    async with transaction(request) as session:
        await signed_in_admin(request, session)
        name = _host(request)
        dropped = await host_admin.drop_host(session, name, now=request.app[CLOCK]())
    return _back_with_count(name, "dropped", dropped)


def _back_with_count(name: str, done: str, count: int) -> web.Response:
    return redirect(f"{host_page(name)}?done={done}&count={count}")
