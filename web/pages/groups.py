"""The group pages: the directory, a group's own page (about, rules, moderators,
threads) and joining or leaving it (finding a group elsewhere: ``find_group``).

A group's page lives at its actor URL (``/groups/{name}``; a group elsewhere at
``/groups/{name@host}``): ``web.activitypub.group`` answers ActivityPub clients with
JSON there and hands browsers to ``group_page``. Everything shown comes from the same
services as the API, so a page never shows more than the API would to the same viewer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from federation.remote.groups import find_group
from federation.remote.http import FetchError
from node import permissions
from node.actors import actor_ref, split_acct
from node.crisis.choosing import CrisisResource
from node.errors import Conflict, InvalidInput, PermissionDenied
from node.groups import loading
from node.groups.directory import list_groups
from node.groups.membership import join_group, leave_group, member_count, moderators_shown
from node.kinds import JoinPolicy, Visibility
from node.posts import reading
from node.topics import Topic, TopicChoice
from node.views import ActorRef, GroupView, PostView, Viewer
from web.keys import CLOCK, FEDERATION, SITE
from web.pages.crisis import crisis_resources
from web.pages.fetch_failures import FAILURES, Message, fetch_failure
from web.pages.forms import read_form
from web.pages.meeting_lists import coming_up
from web.pages.moderation import done_message
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import page_viewer
from web.pages.transaction import transaction

log = logging.getLogger(__name__)

DIRECTORY_PAGE = 20
THREADS_PAGE = 20
SUMMARY_MAX = 200
QUERY_MAX = 100


def group_path(actor: ActorRef, local_domain: str) -> str:
    """The page of a group on this node: its actor URL here, or ``/groups/name@host``."""
    name = actor.handle if actor.domain == local_domain else actor.acct
    return "/groups/" + quote(name, safe="@:")


def _plain(actor: ActorRef, description: str) -> str:
    """A group's description as plain text: ours are written as text, those of groups
    elsewhere arrive as sanitised HTML."""
    return description if actor.local else Markup(description).striptags()  # noqa: S704


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


@dataclass(frozen=True)
class Entry:
    """One group in the directory."""

    name: str
    acct: str
    path: str
    summary: str
    remote: bool
    domain: str
    private: bool
    state: str | None


def _entry(view: GroupView, local_domain: str) -> Entry:
    actor = view.actor
    return Entry(
        name=actor.display_name or actor.handle,
        acct=actor.acct,
        path=group_path(actor, local_domain),
        summary=_short(_plain(actor, view.description)),
        remote=not actor.local,
        domain=actor.domain,
        private=view.visibility is not Visibility.PUBLIC,
        state=view.membership.state.value if view.membership else None,
    )


async def directory(request: web.Request) -> web.Response:
    """Groups here and groups elsewhere known here, alphabetical, searchable, a page at a
    time (no counts: a support group is not a popularity contest)."""
    query = request.query.get("q", "").strip()[:QUERY_MAX]
    cursor = request.query.get("cursor") or None
    site = request.app[SITE]
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        page = await frame(request, session, viewer)
        try:
            found = await list_groups(
                session, viewer, query=query or None, cursor=cursor, limit=DIRECTORY_PAGE
            )
        except InvalidInput:  # a cursor we did not issue: start from the beginning
            cursor = None
            found = await list_groups(session, viewer, query=query or None, limit=DIRECTORY_PAGE)
    next_page = None
    if found.next_cursor:
        next_page = "/groups?" + urlencode(
            {**({"q": query} if query else {}), "cursor": found.next_cursor}
        )
    first_page = "/groups?" + urlencode({"q": query}) if query else "/groups"
    context = {
        "query": query,
        "entries": [_entry(view, site.domain) for view in found.items],
        "next_page": next_page,
        "first_page": first_page if cursor else None,
        "signed_in": viewer is not None,
    }
    return render(request, page, "groups.html", context)


# The group page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Thread:
    """One thread start in a group's list."""

    path: str
    title: str | None
    author: ActorRef | None
    author_path: str | None
    published_at: Any
    content_warning: str
    pinned: bool
    deleted: bool
    held: bool
    pending: bool
    declined: bool
    replies: int
    topics: tuple[Topic, ...] = ()
    # What the reader's topic filters make of it (hidden: no title, a way to open it).
    filtered: TopicChoice = TopicChoice.SHOW
    # Shown as "Anonymous 1" (the author, when it is the reader, sees that it is theirs).
    anonymous: bool = False
    anonymous_label: int | None = None
    # A member's shared check-in (``node.checkins``): named by its scale when untitled.
    check_in_scale: int | None = None


def _thread(post: PostView, local_domain: str) -> Thread:
    author = post.author
    author_path = None
    if author is not None and author.local:
        author_path = "/members/" + quote(author.handle, safe="")
    return Thread(
        path="/posts/" + quote(post.public_id, safe=""),
        title=post.title,
        author=author,
        author_path=author_path,
        published_at=post.published_at,
        content_warning=post.content_warning,
        pinned=post.pinned,
        deleted=post.deleted or (post.removed and not post.declined),
        held=post.held,
        pending=post.pending and not post.declined,
        declined=post.declined,
        replies=post.reply_count,
        topics=post.topics,
        filtered=post.filtered,
        check_in_scale=post.check_in_scale,
        anonymous=post.anonymous,
        anonymous_label=post.anonymous_label,
    )


async def _group_context(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer | None,
    name: str,
    cursor: str | None = None,
) -> dict[str, Any]:
    """What a group's page shows this viewer: only what the services let them see (each
    service loads the group: it is read once, ``loading.loaded_once``)."""
    with loading.loaded_once(session):
        return await _read_group_context(request, session, viewer, name, cursor)


async def _read_group_context(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer | None,
    name: str,
    cursor: str | None,
) -> dict[str, Any]:
    site = request.app[SITE]
    record = await loading.load_group(session, site, viewer, name)
    view = await loading.view_of(session, record)
    actor, group, membership = view.actor, record.group, view.membership
    readable = permissions.can_read_content(group.visibility, membership)
    # Who belongs, even how many, is for the members of a support group to know (the
    # member list is theirs alone); a group elsewhere keeps its own count.
    count = None
    if actor.local and readable and permissions.is_approved(membership):
        count = await member_count(session, group)
    # For a group elsewhere, those its node names (read in the background when it was
    # found or joined: federation.remote.backfill).
    shown = await moderators_shown(session, site, viewer, name) if readable else []
    moderators: list[ActorRef] = shown or []
    threads: list[Thread] = []
    next_page = None
    if readable:
        try:
            listed = await reading.list_threads(
                session, site, viewer, name, cursor=cursor, limit=THREADS_PAGE
            )
        except InvalidInput:  # a cursor we did not issue
            cursor = None
            listed = await reading.list_threads(session, site, viewer, name, limit=THREADS_PAGE)
        threads = [_thread(post, site.domain) for post in listed.items]
        if listed.next_cursor:
            next_page = "?" + urlencode({"cursor": listed.next_cursor}) + "#threads-title"
    state = membership.state.value if membership else None
    moderating = permissions.is_group_moderator(membership)
    now = request.app[CLOCK]()
    coming = await coming_up(session, site, viewer, name, now=now) if readable else []
    return {
        "group": view,
        "actor": actor,
        "group_path": group_path(actor, site.domain),
        "remote": not actor.local,
        "private": view.visibility is not Visibility.PUBLIC,
        "approval": view.join_policy is JoinPolicy.APPROVAL,
        # Sanitised by federation.remote.actors when the group arrived.
        "description_html": None if actor.local else Markup(view.description),  # noqa: S704
        "description": view.description if actor.local else None,
        "rules": view.rules,
        "member_count": count,
        "moderators": moderators,
        "moderators_hidden": shown is None,
        "readable": readable,
        "threads": threads,
        "hidden_count": sum(thread.filtered is TopicChoice.HIDE for thread in threads),
        "next_page": next_page,
        "first_page": "?" if cursor else None,
        "state": state,
        "moderating": moderating,
        "signed_in": viewer is not None,
        "can_post": permissions.is_approved(membership)
        and (moderating or not view.posting_restricted_to_moderators),
        "signin_path": "/signin?next=" + quote(group_path(actor, site.domain), safe=""),
        "errors": {},
        "coming_up": coming,
        # The public feed of a public group here, for calendar apps.
        "meetings_feed": actor.local and view.visibility is Visibility.PUBLIC,
    }


async def group_page(request: web.Request) -> web.Response:
    """A group's page, for browsers at its actor URL (see ``web.activitypub.group``)."""
    name = request.match_info["name"]
    cursor = request.query.get("cursor") or None
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        page = await frame(request, session, viewer)
        context = await _group_context(request, session, viewer, name, cursor)
        context["crisis"] = await _crisis(request, session, page, context)
        context["done"] = done_message(request, gettext_for(request, page.locale))
    response = render(request, page, "group.html", context)
    response.headers["Vary"] = "Accept, Accept-Language, Cookie"
    return response


async def _crisis(
    request: web.Request, session: AsyncSession, page: Frame, context: dict[str, Any]
) -> tuple[CrisisResource, ...]:
    """The group's crisis resources for those who may read it, then the node's."""
    group_uri = context["actor"].uri if context["readable"] else None
    return await crisis_resources(request, session, page, group_uri)


async def _page_with_error(
    request: web.Request,
    viewer: Viewer,
    name: str,
    message: Message,
    status: int,
) -> web.Response:
    """The group's page again, with what went wrong said beside the buttons."""
    async with transaction(request) as session:
        page = await frame(request, session, viewer)
        context = await _group_context(request, session, viewer, name)
        context["crisis"] = await _crisis(request, session, page, context)
    context["errors"] = {"membership": message(gettext_for(request, page.locale))}
    return render(request, page, "group.html", context, status=status)


async def _member_or_sign_in(request: web.Request, name: str) -> Viewer | web.Response:
    """The signed-in member; a visitor is sent to sign in, and back to the group's page."""
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
    if viewer is not None:
        return viewer
    back = "/groups/" + quote(name, safe="@:")
    return redirect("/signin?next=" + quote(back, safe=""))


async def join(request: web.Request) -> web.Response:
    """Join an open group, or ask to join; a group elsewhere is looked up again first,
    as the API does, and decides for itself (pending until its answer comes)."""
    await read_form(request, ())
    name = request.match_info["name"]
    viewer = await _member_or_sign_in(request, name)
    if isinstance(viewer, web.Response):
        return viewer
    site, now = request.app[SITE], request.app[CLOCK]()
    handle, domain = split_acct(name, site.domain)
    if domain != site.domain:
        try:
            await find_group(request.app[FEDERATION], f"{handle}@{domain}")
        except FetchError as error:
            log.info(
                "joining %s@%s: the group could not be fetched: %s", handle, domain, error.reason
            )
            kind = fetch_failure(error)
            return await _page_with_error(request, viewer, name, FAILURES[kind], 502)
    async with transaction(request) as session:
        try:
            async with session.begin_nested():
                joined = await join_group(session, site, viewer, name, now=now)
        except PermissionDenied:
            joined = None
    if joined is None:
        return await _page_with_error(request, viewer, name, _banned, 403)
    log.info("a member asked to join %s through the pages: %s", name, joined.state.value)
    return redirect(group_path(joined.group, site.domain) + "#membership-title")


async def leave(request: web.Request) -> web.Response:
    """Leave a group, or withdraw a request to join (doing it twice is no error)."""
    await read_form(request, ())
    name = request.match_info["name"]
    viewer = await _member_or_sign_in(request, name)
    if isinstance(viewer, web.Response):
        return viewer
    site, now = request.app[SITE], request.app[CLOCK]()
    refusal: Message | None = None
    async with transaction(request) as session:
        record = await loading.load_group(session, site, viewer, name)
        if record.membership is not None:
            try:
                async with session.begin_nested():
                    await leave_group(session, site, viewer, name, now=now)
            except Conflict:
                refusal = _only_owner
            except PermissionDenied:
                refusal = _banned
    if refusal is not None:
        return await _page_with_error(request, viewer, name, refusal, 409)
    return redirect(group_path(actor_of(record), site.domain) + "#membership-title")


def actor_of(record: loading.GroupRecord) -> ActorRef:
    return actor_ref(record.actor)


def _banned(_: Callable[[str], str]) -> str:
    return _("You cannot join this group: its moderators have removed you from it.")


def _only_owner(_: Callable[[str], str]) -> str:
    return _("You are this group's only owner. Please make someone else an owner before you leave.")
