"""Threads: a post's page with its nested replies, replying, and starting a thread.

The thread page answers at the post's own ActivityPub URL (``/posts/{id}``): browsers
get this page there, ActivityPub clients the object (``web.activitypub``). Everything
goes through ``node.posts``, so what a visitor may read, and who may reply, is decided
where the API decides it; the pages only say the domain's answer in the visitor's
language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.boundaries.checks import REPLY_REFUSED
from node.crisis.drafts import draft_looks_like_crisis
from node.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from node.groups import loading
from node.groups.limits import CONTENT_WARNING_MAX
from node.moderation import REASON_MAX
from node.pagination import MAX_LIMIT
from node.posts import reading, writing
from node.topics import TopicChoice
from node.views import GroupView, PostView, Viewer
from web.keys import CLOCK, SITE
from web.pages import checkin_labels, topic_labels
from web.pages.crisis import crisis_resources
from web.pages.delivery_status import delivery_lines
from web.pages.forms import read_form
from web.pages.post_notices import thread_notice
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import page_viewer
from web.pages.transaction import transaction

# A thread longer than this many pages of replies shows its first ones and says so.
REPLY_PAGES_MAX = 20
Gettext = Callable[[str], str]


@dataclass
class Node:
    """One post of a thread and the replies to it, in the order they were written."""

    post: PostView
    replies: list[Node] = field(default_factory=list)

    @property
    def content(self) -> Markup:
        # Sanitised by node.content when the post was stored (or arrived).
        return Markup(self.post.content_html)  # noqa: S704


def refusal_reason(error: DomainError, _: Gettext) -> str:
    """Why the domain refused to let the viewer post, reply or report, in their language."""
    message = error.message
    if "banned" in message:
        return _("You cannot post in this group: you were banned from it.")
    if "locked" in message:
        return _("This thread is locked: it takes no new replies.")
    if "join the group" in message:
        return _("Join this group (and be welcomed in) before you post or reply.")
    if "moderators can post" in message or "moderators start" in message:
        return _("Only this group's moderators start threads here.")
    if "deleted" in message or "removed" in message:
        return _("This post is no longer there, so it can no longer be answered.")
    if "approval" in message:
        return _("This post is waiting for a moderator's approval; it cannot be answered yet.")
    if "waiting for its group" in message:
        return _("This post is waiting for its group to share it; it cannot be answered yet.")
    if message == REPLY_REFUSED:
        return _("The person who wrote this has chosen not to receive replies from you.")
    if message == writing.DECLINED:
        return _("The group did not accept this post, so it cannot be answered or changed.")
    if isinstance(error, NotFound):
        return _("This group or post is not here (any more), or it is not yours to see.")
    if "yourself" in message:
        return _("You cannot report yourself or your own posts.")
    return _("You are not allowed to do this.")


def refused(
    request: web.Request,
    page: Frame,
    status: int,
    message: str,
    back: str | None = None,
    *,
    kept: str | None = None,
) -> web.Response:
    """A page that says, kindly, why something was not done; ``kept``: what the member
    wrote, given back to them whole, so that nothing they wrote is lost."""
    _ = gettext_for(request, page.locale)
    title = {409: _("Not possible just now"), 404: _("Not found")}.get(status, _("Not allowed"))
    context = {"title": title, "message": message, "back": back, "kept": kept}
    return render(request, page, "refused.html", context, status=status)


def field_error(error: InvalidInput, _: Gettext) -> tuple[str, str]:
    """The field a refused post's text concerns, and what to do about it."""
    name = error.field or "form"
    if error.message.startswith("at most"):
        limit = error.message.split()[2].rstrip(",")
        return name, _("This is too long: use at most %(max)s characters.") % {"max": limit}
    if name == "body":
        return name, _("Write something before posting.")
    if name == "title":
        return name, _("Give your post a title.")
    if name == "language":
        return name, _("Choose one of the languages in the list.")
    if name == "anonymous":
        return "form", _(
            "This group does not take anonymous posts (only groups that allow them do, on "
            "this node or on other Kinfolk nodes). Untick “Post anonymously” to post under "
            "your name."
        )
    return "form", _("Something in the form could not be accepted. Please check it.")


def _group_acct(post: PostView) -> str:
    return post.group.acct


async def _replies(
    session: AsyncSession, viewer: Viewer | None, root: str
) -> tuple[list[PostView], bool]:
    """Every reply in the thread (up to a bound), and whether there were more."""
    found: list[PostView] = []
    cursor = None
    for _page in range(REPLY_PAGES_MAX):
        batch = await reading.list_replies(session, viewer, root, cursor=cursor, limit=MAX_LIMIT)
        found.extend(batch.items)
        cursor = batch.next_cursor
        if cursor is None:
            return found, False
    return found, True


def _tree(root: PostView, replies: list[PostView]) -> Node:
    """Replies under the post each answers; one whose parent is not shown goes under the
    thread's start, so nothing visible is lost."""
    nodes = {root.public_id: Node(root)}
    for reply in replies:
        nodes[reply.public_id] = Node(reply)
    for reply in replies:
        parent = nodes.get(reply.in_reply_to or "") or nodes[root.public_id]
        parent.replies.append(nodes[reply.public_id])
    return nodes[root.public_id]


def _reply_refusal(group: GroupView, root: PostView, viewer: Viewer | None) -> str | None:
    """The domain's reason this viewer may not reply in this thread, or None if they may."""
    if viewer is None:
        return "signed out"
    try:
        permissions.require_can_reply(group.membership, thread_locked=root.locked)
    except PermissionDenied as error:
        return error.message
    return None


async def thread_context(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer | None,
    public_id: str,
    page: Frame,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    open_at: str | None = None,
) -> dict[str, Any]:
    view = await reading.get_post(session, viewer, public_id)
    root = view if view.thread is None else await reading.get_post(session, viewer, view.thread)
    replies, more = await _replies(session, viewer, root.public_id)
    root, replies = await _revealed(request, session, viewer, root, replies)
    group = await loading.get_group(session, request.app[SITE], viewer, _group_acct(root))
    refusal = _reply_refusal(group, root, viewer)
    _ = gettext_for(request, page.locale)
    name = root.group.display_name or root.group.handle
    default_topics = topic_labels.options(_, (topic.value for topic in group.default_topics))
    form_topics = topic_labels.options(_, topic_labels.from_form(form or {}))
    can_moderate = permissions.can_moderate_posts(viewer, group.membership)
    return {
        "thread_title": root.title
        or (
            _("A check-in: feeling %(scale)s")
            % {"scale": _(checkin_labels.LABELS[root.check_in_scale])}
            if root.check_in_scale
            else _("A post in %(group)s") % {"group": name}
        ),
        # Support topics: the reply forms' checkboxes, and what the reader's filters hid.
        "reply_topics_for": lambda pid: form_topics if pid == open_at else default_topics,
        "hidden_count": sum(p.filtered is TopicChoice.HIDE for p in (root, *replies)),
        "root": root,
        "tree": _tree(root, replies),
        "more_replies": more,
        "group": group,
        "focus": view.public_id if view.thread is not None else None,
        "can_reply": refusal is None,
        "signed_out": viewer is None,
        "default_warning": group.default_content_warning,
        "errors": errors or {},
        "form": form or {},
        "open_at": open_at,
        "cw_max": CONTENT_WARNING_MAX,
        # The actions on each post (web.pages.post_actions), as the domain allows them.
        "can_support": _may_support(group, viewer),
        "reason_max": REASON_MAX,
        "can_moderate": can_moderate,
        # Which nodes each post reached, for its author and the moderators alone.
        "delivery": await delivery_lines(
            session,
            viewer,
            page.handle,
            (root, *replies),
            moderates=can_moderate,
            now=request.app[CLOCK](),
        ),
        "crisis": await crisis_resources(request, session, page, group.actor.uri),
        "anonymous_offered": group.allow_anonymous_posts,
    }


async def _revealed(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer | None,
    root: PostView,
    replies: list[PostView],
) -> tuple[PostView, list[PostView]]:
    """The thread with the one post its reader opened on purpose (``?reveal=``) whole,
    though their topic filters hide it."""
    chosen = request.query.get("reveal")
    if not chosen or chosen not in {p.public_id for p in (root, *replies)}:
        return root, replies
    opened = await reading.get_post(session, viewer, chosen, reveal=True)
    if root.public_id == chosen:
        return opened, replies
    return root, [opened if p.public_id == chosen else p for p in replies]


def _may_support(group: GroupView, viewer: Viewer | None) -> bool:
    """Whether the domain lets this viewer send support in this group."""
    if viewer is None:
        return False
    try:
        permissions.require_can_react(group.membership)
    except PermissionDenied:
        return False
    return True


def _page_response(response: web.Response) -> web.Response:
    # The same URL answers ActivityPub clients with JSON.
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response


async def thread_page(request: web.Request) -> web.Response:
    """GET /posts/{id} from a browser: the thread this post belongs to."""
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        page = await frame(request, session, viewer)
        context = await thread_context(request, session, viewer, request.match_info["id"], page)
        context["done"] = thread_notice(request, gettext_for(request, page.locale))
        return _page_response(render(request, page, "thread.html", context))


async def reply(request: web.Request) -> web.Response:
    """POST /posts/{id}/reply: answer a post of a thread."""
    form = await read_form(
        request, ("body", "content_warning", "crisis", "anonymous", *topic_labels.FIELDS)
    )
    public_id = request.match_info["id"]
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        if viewer is None:  # signed out meanwhile: sign in, then back to the thread
            return redirect(f"/signin?next={quote(f'/posts/{public_id}', safe='')}")
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        offer = await crisis_offer(session, form, form["body"])
        if offer is not None:
            context = await thread_context(
                request, session, viewer, public_id, page, form=form, open_at=public_id
            )
            context[offer] = True
            return render(request, page, "thread.html", context)
        try:
            async with session.begin_nested():
                view = await writing.reply(
                    session,
                    request.app[SITE],
                    viewer,
                    public_id,
                    body=form["body"],
                    content_warning=form["content_warning"],
                    anonymous=form["anonymous"] == "yes",
                    now=request.app[CLOCK](),
                    topics=topic_labels.from_form(form),
                )
        except InvalidInput as error:
            name, message = field_error(error, _)
            key = f"reply-{public_id}" if name == "body" else f"cw-{public_id}"
            context = await thread_context(
                request,
                session,
                viewer,
                public_id,
                page,
                errors={key: message},
                form=form,
                open_at=public_id,
            )
            return render(request, page, "thread.html", context, status=422)
        except (PermissionDenied, Conflict, NotFound) as error:
            status = {PermissionDenied: 403, Conflict: 409}.get(type(error), 404)
            back = None if status == 404 else f"/posts/{public_id}"
            message = refusal_reason(error, _)
            return refused(request, page, status, message, back, kept=form["body"])
    return redirect(f"/posts/{view.thread or view.public_id}#post-{view.public_id}")


async def crisis_offer(session: AsyncSession, form: dict[str, str], *texts: str) -> str | None:
    """What to show before posting, if anything: the resources beside a draft that sounds
    like a crisis (``crisis_offered``), or, after "Not now", the form again with the words
    kept and no more asking (``crisis_seen``). None: post it. The words are only compared
    (``node.crisis.drafts``): never logged, stored or sent."""
    if form["crisis"] in ("post", "seen"):
        return None
    if form["crisis"] == "later":
        return "crisis_seen"
    return "crisis_offered" if await draft_looks_like_crisis(session, *texts) else None
