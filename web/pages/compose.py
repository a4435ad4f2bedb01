"""Starting a thread from the pages: the compose form of a group (here or elsewhere, always
named with its host), the crisis offer beside a draft that sounds like one, and the
member's words given back whole when it cannot be posted."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.accounts import SUPPORTED_LOCALES
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.groups import loading
from node.groups.limits import CONTENT_WARNING_MAX
from node.posts import writing
from node.views import GroupView, Viewer
from web.keys import CLOCK, SITE
from web.pages import topic_labels
from web.pages.crisis import crisis_resources
from web.pages.forms import read_form
from web.pages.groups import group_path
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.threads import crisis_offer, field_error, refusal_reason, refused
from web.pages.transaction import transaction


async def _compose_group(request: web.Request, session: AsyncSession, viewer: Viewer) -> GroupView:
    return await loading.get_group(session, request.app[SITE], viewer, request.match_info["name"])


async def _compose_context(
    request: web.Request,
    session: AsyncSession,
    group: GroupView,
    form: dict[str, str],
    errors: dict[str, str],
    page: Frame,
) -> dict[str, Any]:
    # A group elsewhere is named with its host, so a post never lands in a group of the
    # same name on this node.
    path = group_path(group.actor, request.app[SITE].domain)
    return {
        "group": group,
        "form": form,
        "errors": errors,
        "cw_max": CONTENT_WARNING_MAX,
        "title_max": writing.TITLE_MAX,
        "post_languages": SUPPORTED_LOCALES,
        "chosen_language": form.get("language") or page.locale,
        "action": f"{path}/compose",
        "topics": topic_labels.options(
            gettext_for(request, page.locale), topic_labels.from_form(form)
        ),
        "crisis": await crisis_resources(request, session, page, group.actor.uri),
    }


async def compose_form(request: web.Request) -> web.Response:
    """GET /groups/{name}/compose: the form to start a thread, with the group's usual
    content warning already filled in."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        group = await _compose_group(request, session, viewer)
        try:
            permissions.require_can_post(group.membership, group.posting_restricted_to_moderators)
        except PermissionDenied as error:
            _ = gettext_for(request, page.locale)
            back = group_path(group.actor, request.app[SITE].domain)
            return refused(request, page, 403, refusal_reason(error, _), back)
        form = {"content_warning": group.default_content_warning}
        form |= {f"topic-{topic.value}": "on" for topic in group.default_topics}
        context = await _compose_context(request, session, group, form, {}, page)
        return render(request, page, "compose.html", context)


async def compose(request: web.Request) -> web.Response:
    """POST /groups/{name}/compose: start the thread, then show it."""
    form = await read_form(
        request,
        (
            "title",
            "body",
            "content_warning",
            "language",
            "crisis",
            "anonymous",
            *topic_labels.FIELDS,
        ),
    )
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            group = await _compose_group(request, session, viewer)
        except NotFound as error:
            return refused(request, page, 404, refusal_reason(error, _), kept=_kept(form))
        back = group_path(group.actor, request.app[SITE].domain)
        errors: dict[str, str] = {}
        if not form["title"].strip():
            errors["title"] = _("Give your post a title.")
        if not form["body"].strip():
            errors["body"] = _("Write something before posting.")
        if form["language"] not in SUPPORTED_LOCALES:
            errors["language"] = _("Choose one of the languages in the list.")
        offer = None if errors else await crisis_offer(session, form, form["title"], form["body"])
        if offer is not None:
            context = await _compose_context(request, session, group, form, {}, page)
            context[offer] = True
            return render(request, page, "compose.html", context)
        if not errors:
            try:
                async with session.begin_nested():
                    view = await writing.create_post(
                        session,
                        request.app[SITE],
                        viewer,
                        request.match_info["name"],
                        title=form["title"],
                        body=form["body"],
                        content_warning=form["content_warning"],
                        language=form["language"],
                        anonymous=form["anonymous"] == "yes",
                        now=request.app[CLOCK](),
                        topics=topic_labels.from_form(form),
                    )
            except InvalidInput as error:
                name, message = field_error(error, _)
                errors[name] = message
            except (PermissionDenied, NotFound) as error:
                status = 403 if isinstance(error, PermissionDenied) else 404
                message = refusal_reason(error, _)
                return refused(request, page, status, message, back, kept=_kept(form))
        if errors:
            context = await _compose_context(request, session, group, form, errors, page)
            return render(request, page, "compose.html", context, status=422)
    return redirect(f"/posts/{view.public_id}")


def _kept(form: dict[str, str]) -> str:
    """A thread the member could not start, as they wrote it: title, then text."""
    return "\n\n".join(part for part in (form["title"].strip(), form["body"]) if part)
