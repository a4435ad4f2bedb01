"""What members and moderators do to a post from its thread: edit it, delete it (after
a confirmation page), give or take back support, and, for the group's moderators and
node staff, restore a removed post and lock or unlock a thread.

Every action is a plain form (no JavaScript) that goes through the same domain service
as the API (``node.posts``, ``node.locks``), so the same permission checks apply, then
sends the browser back to the thread with a code the page turns into a message
(``web.pages.post_notices``). A refusal the domain explains is said on a page of its
own; a moderator's action posted by someone else ends on the guarded 403 page.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from node import locks, permissions
from node.errors import Conflict, InvalidInput, PermissionDenied
from node.groups.limits import CONTENT_WARNING_MAX
from node.posts import reading, removal, visibility, writing
from node.posts.support import set_support
from node.views import PostView, Viewer
from web.keys import CLOCK
from web.pages import topic_labels
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.threads import Gettext, field_error, refusal_reason, refused
from web.pages.transaction import transaction

EDIT_FIELDS = ("title", "body", "content_warning", *topic_labels.FIELDS)


def thread_link(view: PostView, done: str) -> str:
    """The thread ``view`` belongs to, saying what was done, scrolled to the post."""
    url = URL(f"/posts/{view.thread or view.public_id}").with_query(done=done)
    return f"{url}#post-{view.public_id}"


def gone_reason(_: Gettext) -> str:
    return _("This post was deleted or removed, so it can no longer be changed.")


async def _own_post(
    session: AsyncSession, viewer: Viewer, public_id: str, *, to_delete: bool = False
) -> PostView:
    """The post, if the viewer may edit it (or delete it): checked as the domain checks."""
    post, record = await visibility.load_post(session, viewer, public_id)
    if to_delete:
        permissions.require_can_delete(viewer, post.author_id, record.membership)
    else:
        permissions.require_can_edit(viewer, post.author_id, record.membership)
    view = await reading.get_post(session, viewer, public_id)
    if view.deleted:
        raise Conflict("this post was deleted or removed")
    return view


def _content(view: PostView) -> Markup:
    # Sanitised by node.content when the post was stored.
    return Markup(view.content_html)  # noqa: S704


def _edit_context(view: PostView, form: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "post": view,
        "form": form,
        "errors": errors,
        "starts_thread": view.thread is None,
        "cw_max": CONTENT_WARNING_MAX,
        "title_max": writing.TITLE_MAX,
        "back": f"/posts/{view.thread or view.public_id}#post-{view.public_id}",
    }


def _refusal(
    request: web.Request, page: Frame, error: PermissionDenied | Conflict, public_id: str
) -> web.Response:
    """The page that says why the post cannot be edited or deleted by this viewer."""
    _ = gettext_for(request, page.locale)
    back = f"/posts/{public_id}"
    if isinstance(error, Conflict):
        return refused(request, page, 409, gone_reason(_), back)
    return refused(request, page, 403, refusal_reason(error, _), back)


# --- editing ------------------------------------------------------------------------------


async def edit_form(request: web.Request) -> web.Response:
    """GET /posts/{id}/edit: the author's form, filled in with what they wrote."""
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        try:
            view = await _own_post(session, viewer, public_id)
        except (PermissionDenied, Conflict) as error:
            return _refusal(request, page, error, public_id)
        form = {
            "title": view.title or "",
            "body": view.source or "",
            "content_warning": view.content_warning,
        }
        form |= {f"topic-{topic.value}": "on" for topic in view.topics}
        return render(request, page, "post_edit.html", _edit_context(view, form, {}))


async def edit(request: web.Request) -> web.Response:
    """POST /posts/{id}/edit: save the changes, then back to the thread."""
    form = await read_form(request, EDIT_FIELDS)
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            view = await _own_post(session, viewer, public_id)
        except (PermissionDenied, Conflict) as error:
            return _refusal(request, page, error, public_id)
        starts_thread = view.thread is None
        errors: dict[str, str] = {}
        if starts_thread and not form["title"].strip():
            errors["title"] = _("Give your post a title.")
        if not form["body"].strip():
            errors["body"] = _("Write something before posting.")
        if not errors:
            try:
                async with session.begin_nested():
                    view = await writing.edit_post(
                        session,
                        viewer,
                        public_id,
                        body=form["body"],
                        title=form["title"] if starts_thread else None,
                        content_warning=form["content_warning"],
                        now=request.app[CLOCK](),
                        topics=topic_labels.from_form(form),
                    )
            except InvalidInput as error:
                name, message = field_error(error, _)
                errors[name] = message
            except (PermissionDenied, Conflict) as error:  # changed meanwhile
                return _refusal(request, page, error, public_id)
        if errors:
            context = _edit_context(view, form, errors)
            return render(request, page, "post_edit.html", context, status=422)
    return redirect(thread_link(view, "edited"))


# --- deleting -----------------------------------------------------------------------------


async def delete_form(request: web.Request) -> web.Response:
    """GET /posts/{id}/delete: ask before deleting (no script needed to confirm)."""
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        try:
            view = await _own_post(session, viewer, public_id, to_delete=True)
        except (PermissionDenied, Conflict) as error:
            return _refusal(request, page, error, public_id)
        context = {
            "post": view,
            "content": _content(view),
            "back": f"/posts/{view.thread or view.public_id}#post-{view.public_id}",
        }
        return render(request, page, "post_delete.html", context)


async def delete(request: web.Request) -> web.Response:
    """POST /posts/{id}/delete: delete it (for anyone but its author the domain makes this
    a removal, as the API does), then back to the thread."""
    await read_form(request, ())
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        view = await reading.get_post(session, viewer, public_id)
        if view.deleted:
            return redirect(thread_link(view, "already"))
        try:
            async with session.begin_nested():
                await writing.delete_post(session, viewer, public_id, now=request.app[CLOCK]())
        except PermissionDenied as error:
            return _refusal(request, page, error, public_id)
        author = view.author
        own = author is not None and author.local and author.handle == page.handle
    return redirect(thread_link(view, "deleted" if own else "removed"))


# --- support ------------------------------------------------------------------------------


async def support(request: web.Request) -> web.Response:
    """POST /posts/{id}/support: send support (``support=on``) or take it back (``off``)."""
    form = await read_form(request, ("support",))
    on = form["support"] != "off"
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                view = await set_support(
                    session, viewer, public_id, on=on, now=request.app[CLOCK]()
                )
        except PermissionDenied as error:
            return refused(request, page, 403, refusal_reason(error, _), f"/posts/{public_id}")
        except Conflict:
            return refused(request, page, 409, gone_reason(_), f"/posts/{public_id}")
    return redirect(thread_link(view, "support_on" if on else "support_off"))


# --- moderators: restore, lock, unlock ----------------------------------------------------


async def _moderate(request: web.Request, act: Any, done: str) -> web.Response:
    """Read the reason, do the one thing, and go back to the thread. A refusal of
    permission is left to the guarded 403 page."""
    form = await read_form(request, ("reason",))
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        view = await reading.get_post(session, viewer, public_id)
        try:
            async with session.begin_nested():
                await act(session, viewer, public_id, form["reason"], request.app[CLOCK]())
        except Conflict:
            done = "already"
        except InvalidInput as error:
            done = "too_long" if error.field == "reason" else "already"
    return redirect(thread_link(view, done))


async def restore(request: web.Request) -> web.Response:
    """POST /moderation/posts/{id}/restore: undo a removal, saying why."""

    async def act(
        session: AsyncSession, viewer: Viewer, public_id: str, reason: str, now: Any
    ) -> None:
        await removal.restore_post(session, viewer, public_id, reason=reason, now=now)

    return await _moderate(request, act, "restored")


async def lock(request: web.Request) -> web.Response:
    """POST /moderation/posts/{id}/lock: the thread takes no new replies."""

    async def act(
        session: AsyncSession, viewer: Viewer, public_id: str, reason: str, now: Any
    ) -> None:
        await locks.set_locked(session, viewer, public_id, locked=True, reason=reason, now=now)

    return await _moderate(request, act, "locked")


async def unlock(request: web.Request) -> web.Response:
    """POST /moderation/posts/{id}/unlock: the thread takes replies again."""

    async def act(
        session: AsyncSession, viewer: Viewer, public_id: str, reason: str, now: Any
    ) -> None:
        await locks.set_locked(session, viewer, public_id, locked=False, reason=reason, now=now)

    return await _moderate(request, act, "unlocked")
