"""The start page: what this community is, its rules, where to find help now."""

from __future__ import annotations

from aiohttp import web

from node.rules import list_node_rules
from node.site_info import get_site_info
from web.keys import SETTINGS
from web.pages.crisis import crisis_resources
from web.pages.render import frame, render
from web.pages.session import page_viewer
from web.pages.transaction import transaction


def _wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


async def home(request: web.Request) -> web.Response:
    """Browsers get the page; API clients and scripts the node's short JSON summary."""
    if not _wants_html(request):
        settings = request.app[SETTINGS]
        return web.json_response(
            {
                "name": settings.node_name,
                "software": "kinfolk",
                "api": f"{settings.base_url}/api/v1",
                "openapi": f"{settings.base_url}/api/openapi.json",
            }
        )
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        context = {
            "rules": await list_node_rules(session),
            "site": await get_site_info(session),
            "crisis": await crisis_resources(request, session, page),
        }
        return render(request, page, "home.html", context)
