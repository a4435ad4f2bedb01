"""A member's profile, at their ActivityPub actor URL (``/members/{name}``): browsers get
this page there, ActivityPub clients the actor (``web.activitypub``)."""

from __future__ import annotations

from aiohttp import web

from node import accounts
from node.actors import find_actor
from node.boundaries import entries
from web.keys import SITE
from web.pages.render import frame, render
from web.pages.session import page_viewer
from web.pages.transaction import transaction


async def profile_page(request: web.Request) -> web.Response:
    """GET /members/{name} from a browser."""
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        page = await frame(request, session, viewer)
        profile = await accounts.get_profile(
            session, request.match_info["name"], request.app[SITE].domain
        )
        own = page.handle == profile.actor.handle
        stance = None
        if viewer is not None and not own:
            actor = await find_actor(session, profile.actor.handle, profile.actor.domain)
            stance = await entries.stance(session, viewer, actor.id)
        context = {"profile": profile, "own": own, "stance": stance}
        response = render(request, page, "profile.html", context)
    # The same URL answers ActivityPub clients with JSON.
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response
