"""Support topics on the pages: a member's choice per topic (``/settings/topics``) and
a group's default topics, set by its moderators (``/groups/{name}/topics``).

Both go through the services the API calls (``node.topics.filters``,
``node.group_settings.set_default_topics``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node import group_settings, permissions
from node.errors import InvalidInput, PermissionDenied
from node.groups import loading
from node.topics import Topic, TopicChoice, filters
from node.views import GroupView, Viewer
from web.keys import SITE
from web.pages.forms import read_form
from web.pages.groups import group_path
from web.pages.render import frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.topic_labels import CHOICES, FIELDS, LABELS, from_form, options
from web.pages.transaction import transaction


async def filters_page(request: web.Request) -> web.Response:
    """GET /settings/topics: per topic, show, behind a warning, or hide."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        choices = await filters.choices_of(session, viewer)
        _ = gettext_for(request, page.locale)
        context: dict[str, Any] = {
            "rows": [
                {"id": topic.value, "label": _(LABELS[topic]), "choice": choices[topic].value}
                for topic in Topic
            ],
            "choices": [(choice.value, _(label)) for choice, label in CHOICES.items()],
            "saved": request.query.get("done") == "saved",
        }
        return render(request, page, "topic_filters.html", context)


async def save_filters(request: web.Request) -> web.Response:
    """POST /settings/topics"""
    form = await read_form(request, FIELDS)
    given = {
        name.removeprefix("topic-"): value
        for name, value in form.items()
        if value in TopicChoice.__members__.values()
    }
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await filters.set_choices(session, viewer, given)
    return redirect("/settings/topics?done=saved")


async def _moderated_group(request: web.Request, session: AsyncSession) -> tuple[Viewer, GroupView]:
    """The signed-in member and the group they moderate here (else a refusal)."""
    viewer = await signed_in(request, session)
    group = await loading.get_group(session, request.app[SITE], viewer, request.match_info["name"])
    if not group.actor.local or not permissions.is_group_moderator(group.membership):
        raise PermissionDenied("only this group's moderators set it up")
    return viewer, group


async def group_topics_page(request: web.Request) -> web.Response:
    """GET /groups/{name}/topics: the topics new posts carry unless their authors choose."""
    async with transaction(request) as session:
        viewer, group = await _moderated_group(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        context = {
            "group": group,
            "group_path": group_path(group.actor, request.app[SITE].domain),
            "topics": options(_, (topic.value for topic in group.default_topics)),
            "saved": request.query.get("done") == "saved",
        }
        return render(request, page, "group_topics.html", context)


async def save_group_topics(request: web.Request) -> web.Response:
    """POST /groups/{name}/topics"""
    form = await read_form(request, FIELDS)
    name = request.match_info["name"]
    async with transaction(request) as session:
        viewer, group = await _moderated_group(request, session)
        try:
            await group_settings.set_default_topics(
                session, request.app[SITE], viewer, name, from_form(form)
            )
        except InvalidInput:  # only our checkboxes are read, so this is not a person's slip
            raise web.HTTPBadRequest() from None
        path = group_path(group.actor, request.app[SITE].domain)
    return redirect(f"{path}/topics?done=saved")
