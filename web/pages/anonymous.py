"""The pages' part in anonymous posts: a group's moderators allow them (a setting on the
group's page, saved with the group's other settings: a private group may admit members of
trusted nodes only) and ban an anonymous post's writer from the thread page, unseen.

Posting anonymously is a checkbox on the compose and reply forms (``web.pages.threads``);
who wrote a post is for node admins, through the API (``web.api.anonymous_api``).
"""

from __future__ import annotations

from aiohttp import web

from node import group_settings
from node.errors import Conflict, InvalidInput
from node.posts import anonymous_moderation
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.groups import group_path
from web.pages.moderation import back_to
from web.pages.session import signed_in
from web.pages.transaction import transaction


async def save_group_settings(request: web.Request) -> web.Response:
    """POST /groups/{name}/settings: a moderator allows anonymous posts, or stops them, and
    (a private group) admits members of trusted nodes only, or everyone again."""
    form = await read_form(request, ("allow_anonymous_posts", "trusted_nodes_only"))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        view = await group_settings.update_settings(
            session,
            request.app[SITE],
            viewer,
            request.match_info["name"],
            allow_anonymous_posts=form["allow_anonymous_posts"] == "on",
            trusted_nodes_only=form["trusted_nodes_only"] == "on",
            now=request.app[CLOCK](),
        )
    path = group_path(view.actor, request.app[SITE].domain)
    return back_to(path, "settings_saved", fallback=path)


async def ban_writer(request: web.Request) -> web.Response:
    """POST /moderation/posts/{id}/ban-writer: ban an anonymous post's writer from posting
    in its group, without the moderator learning who it is."""
    form = await read_form(request, ("back", "reason"))
    try:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            await anonymous_moderation.ban_writer(
                session,
                viewer,
                request.match_info["id"],
                reason=form["reason"],
                now=request.app[CLOCK](),
            )
    except (Conflict, InvalidInput):
        return back_to(form["back"], "already")
    return back_to(form["back"], "writer_banned")
