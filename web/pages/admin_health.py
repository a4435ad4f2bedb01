"""The admin's health page: is federation keeping up, and which nodes are failing?

What ``/metrics`` tells Prometheus, for an admin without it: the queues and their
oldest items, the last hour's deliveries by outcome, and the hosts currently
failing (each linking to its page under ``/admin/federation/hosts/``). Read from
the database as the page is asked for (``federation.health``), so it is the same
whichever process serves it. Plain HTML, no JavaScript: reload to refresh. For
the node's admins only, as the other admin pages.
"""

from __future__ import annotations

from aiohttp import web

from federation.health import node_health
from web.keys import CLOCK
from web.pages.admin import signed_in_admin
from web.pages.render import render
from web.pages.transaction import transaction

HEALTH_PAGE = "/admin/health"


async def health(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        _, page = await signed_in_admin(request, session)
        report = await node_health(session, request.app[CLOCK]())
    hidden = sum(report.hosts_by_state.values()) - len(report.failing_hosts)
    context = {"health": report, "more_hosts": max(0, hidden)}
    return render(request, page, "admin_health.html", context)
