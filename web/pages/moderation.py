"""The moderation queue (reports, requests to join, held posts) and the moderation logs.

For node staff and group moderators. Every list and every action is the domain's
(``node.reports``, ``node.posts``, ``node.held_posts``, ``node.groups``), so the
pages refuse exactly what the API refuses. Each action is a small form that does
one thing and sends the browser back where it was, with a short confirmation
read out to screen readers (``role="status"``); the confirmation is one of a
fixed set of messages named in the address, never text taken from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from node import held_posts, moderation, suspensions
from node.errors import Conflict, InvalidInput, NotFound
from node.groups import membership
from node.kinds import MembershipState, ModAction, ReportKind, ReportState
from node.pagination import Page
from node.posts import reading, removal
from node.reports import queue_counts, report_queue, report_views, stepping_back
from node.views import ActorRef, MembershipView, PostView, Viewer
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.render import frame, gettext_for, redirect, render
from web.pages.return_path import local_path
from web.pages.session import page_viewer, signed_in
from web.pages.transaction import transaction

TABS = ("reports", "care", "joins", "held")
STATES = {
    "open": ReportState.OPEN,
    "resolved": ReportState.RESOLVED,
    "dismissed": ReportState.DISMISSED,
    "all": None,
}
QUEUE = "/moderation"
# How long a moderator's reason or note may be (the domain checks it too).
REASON_MAX = moderation.REASON_MAX
NOTE_MAX = report_queue.NOTE_MAX


# --- confirmations ------------------------------------------------------------------------


def done_messages(_: Callable[[str], str]) -> dict[str, str]:
    """What a finished action says, by the code it sends the browser back with."""
    return {
        "removed": _("The post was removed."),
        "resolved": _("The report was resolved."),
        "dismissed": _("The report was dismissed."),
        "closed": _("The care report was closed."),
        "reaching_out": _("Your co-moderators now see that you are reaching out."),
        "resources_shared": _("A kind message with the resources was left for the member."),
        "stepped_back": _("You are stepping back. Take care of yourself."),
        "came_back": _("Welcome back. The queue is yours again."),
        "bad_day": _("Choose a day after today, or leave the day empty."),
        "resources_unread": _(
            "The member has not read their earlier message yet, so no second one was sent."
        ),
        "post_approved": _("The post was approved and is now shared."),
        "post_rejected": _("The post was turned down. It will not be shared."),
        "member_approved": _("The request to join was approved."),
        "member_rejected": _("The request to join was turned down."),
        "already": _("This was already done, or can no longer be done."),
        "too_long": _("That text is too long. Please shorten it and try again."),
        "site_saved": _("The start page was updated."),
        "rules_saved": _("The node's rules were saved."),
        "crisis_saved": _("The crisis resources were saved."),
        "phrases_saved": _("The phrases were saved."),
        "suspended": _("The account was suspended."),
        "unsuspended": _("The suspension was lifted."),
        "mode_saved": _("The federation mode was saved."),
        "policy_published": _("NodeInfo now publishes the federation policy."),
        "policy_unpublished": _("NodeInfo no longer publishes the federation policy."),
        "rule_saved": _("The domain rule was saved."),
        "rule_removed": _("The domain rule was removed."),
        "imported": _("The domain rules were imported."),
        "list_subscribed": _("Subscribed. Fetch the list now to see what it would change."),
        "list_fetched": _("The list was fetched. Nothing changes before it is applied."),
        "list_failed": _("The list could not be fetched. What was applied before stays."),
        "list_applied": _("The list was applied."),
        "list_changed": _("The list's settings were saved. Apply it to use them."),
        "list_removed": _("Unsubscribed. Rules that came from this list alone were removed."),
        "trusted": _("The node is trusted now."),
        "untrusted": _("The node is no longer trusted."),
        "writer_banned": _(
            "The writer of that post can no longer post in this group. You were not told "
            "who it is, and neither was anyone else."
        ),
        "settings_saved": _("The group's settings were saved."),
    }


def done_message(request: web.Request, _: Callable[[str], str]) -> str | None:
    return done_messages(_).get(request.query.get("done", ""))


def back_to(target: str, done: str, fallback: str = QUEUE) -> web.Response:
    """Send the browser back to the page it came from (on this node only), saying what
    was done."""
    where = local_path(target, fallback)
    url = URL(where).without_query_params("done").update_query(done=done)
    return redirect(str(url))


def page_link(request: web.Request, **changes: str | None) -> str:
    """This page's address with some query parameters changed (None: left out)."""
    query = {k: v for k, v in request.query.items() if k != "done"}
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return str(URL(request.path).with_query(query))


def action_label(action: ModAction, _: Callable[[str], str]) -> str:
    return {
        ModAction.REMOVE_POST: _("Removed a post"),
        ModAction.RESTORE_POST: _("Restored a post"),
        ModAction.LOCK_THREAD: _("Locked a thread"),
        ModAction.UNLOCK_THREAD: _("Unlocked a thread"),
        ModAction.PIN: _("Pinned a post"),
        ModAction.UNPIN: _("Unpinned a post"),
        ModAction.BAN: _("Banned a member"),
        ModAction.UNBAN: _("Lifted a ban"),
        ModAction.APPROVE_MEMBER: _("Approved a request to join"),
        ModAction.REJECT_MEMBER: _("Turned down a request to join"),
        ModAction.APPROVE_POST: _("Approved a held post"),
        ModAction.REJECT_POST: _("Turned down a held post"),
        ModAction.SUSPEND: _("Suspended an account"),
        ModAction.UNSUSPEND: _("Lifted a suspension"),
        ModAction.RESOLVE_REPORT: _("Resolved a report"),
        ModAction.DISMISS_REPORT: _("Dismissed a report"),
        ModAction.REVEAL_AUTHOR: _("Looked up who wrote an anonymous post"),
    }[action]


# --- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportItem:
    report: report_views.ReportView
    # The post reported, as its moderators see it (removed ones too), if we hold it.
    post: PostView | None
    content: Markup | None


@dataclass(frozen=True)
class GroupSection:
    group: ActorRef
    members: Sequence[MembershipView]
    posts: Sequence[tuple[PostView, Markup]]
    next_link: str | None


async def _report_items(
    session: AsyncSession, viewer: Viewer, page: Page[report_views.ReportView]
) -> list[ReportItem]:
    items = []
    for report in page.items:
        post = None
        if report.post is not None:
            try:
                post = await reading.get_post(session, viewer, report.post, show_removed=True)
            except NotFound:
                post = None
        # Sanitised when it was stored (node.content): safe to show as HTML.
        content = None if post is None else Markup(post.content_html)  # noqa: S704
        items.append(ReportItem(report, post, content))
    return items


def _merged(first: Sequence[ActorRef], second: Sequence[ActorRef]) -> list[ActorRef]:
    """Both lists of groups, each group once, by handle."""
    merged = {group.handle: group for group in (*first, *second)}
    return sorted(merged.values(), key=lambda group: group.handle.casefold())


def _paged(cursor: str | None, group: str | None, handle: str) -> str | None:
    """The cursor applies to the one group it was made for."""
    return cursor if group == handle else None


async def queue(request: web.Request) -> web.Response:
    tab = request.query.get("tab", "reports")
    tab = tab if tab in TABS else "reports"
    state_name = request.query.get("state", "open")
    state_name = state_name if state_name in STATES else "open"
    cursor = request.query.get("cursor") or None
    chosen = request.query.get("group") or None
    site = request.app[SITE]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        moderated = await report_queue.moderated_groups(session, viewer)
        context: dict[str, Any] = {
            "tab": tab,
            "state": state_name,
            "states": list(STATES),
            "groups": moderated,
            "staff": viewer.is_node_staff,
            "done": done_message(request, _),
            "back": request.path_qs,
            "reason_max": REASON_MAX,
            "note_max": NOTE_MAX,
            "tab_links": {
                name: page_link(request, tab=name, cursor=None, group=None, state=None)
                for name in TABS
            },
            "state_links": {name: page_link(request, state=name, cursor=None) for name in STATES},
        }
        now = request.app[CLOCK]()
        away = await stepping_back.stepping_back(session, viewer, now=now)
        context["stepping_back"] = away
        context["co_stepping_back"] = await stepping_back.co_moderators_stepping_back(
            session, viewer, now=now
        )
        counts = None if away else await queue_counts.queue_counts(session, viewer)
        context["counts"] = {
            "reports": None if counts is None else counts.rule_reports,
            "care": None if counts is None else counts.care_reports,
            "joins": None if counts is None else counts.joins,
            "held": None if counts is None else counts.held,
        }
        if away:  # their co-moderators look after the queue meanwhile
            return render(request, page, "moderation_queue.html", context)
        try:
            if tab in ("reports", "care"):
                kind = ReportKind.CARE if tab == "care" else ReportKind.RULE
                found = await report_queue.list_reports(
                    session, viewer, state=STATES[state_name], kind=kind, cursor=cursor
                )
                context["reports"] = await _report_items(session, viewer, found)
                context["next_link"] = (
                    page_link(request, cursor=found.next_cursor) if found.next_cursor else None
                )
            else:
                candidates = moderated
                if tab == "held":  # node staff approve held posts in any group they can read
                    staffed = await held_posts.groups_with_held(session, viewer)
                    candidates = _merged(moderated, staffed)
                shown = [g for g in candidates if chosen is None or g.handle == chosen]
                sections = []
                for group in shown:
                    at = _paged(cursor, chosen, group.handle)
                    if tab == "joins":
                        members = await membership.list_members(
                            session,
                            site,
                            viewer,
                            group.handle,
                            state=MembershipState.PENDING,
                            cursor=at,
                        )
                        next_cursor, listed, held = members.next_cursor, members.items, []
                    else:
                        waiting = await held_posts.list_held(
                            session, site, viewer, group.handle, cursor=at
                        )
                        next_cursor, listed = waiting.next_cursor, []
                        held = [(p, Markup(p.content_html)) for p in waiting.items]  # noqa: S704
                    next_link = None
                    if next_cursor:
                        next_link = page_link(request, group=group.handle, cursor=next_cursor)
                    sections.append(GroupSection(group, listed, held, next_link))
                context["sections"] = sections
        except InvalidInput as error:  # a cursor that is not one of ours
            raise NotFound(error.message) from None
        return render(request, page, "moderation_queue.html", context)


async def _act(
    request: web.Request, fields: tuple[str, ...], action: Callable[..., Any], done: str
) -> web.Response:
    """Read the form, do the one thing, and go back where the moderator was."""
    form = await read_form(request, ("back", *fields))
    now = request.app[CLOCK]()
    try:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            said = await action(session, viewer, form, now)
    except Conflict:
        return back_to(form["back"], "already")
    except InvalidInput:
        return back_to(form["back"], "too_long")
    return back_to(form["back"], said or done)


async def remove_post(request: web.Request) -> web.Response:
    post_id = request.match_info["id"]

    async def act(session: AsyncSession, viewer: Viewer, form: dict[str, str], now: Any) -> None:
        await removal.remove_post(session, viewer, post_id, reason=form["reason"], now=now)

    return await _act(request, ("reason",), act, "removed")


async def close_report(request: web.Request) -> web.Response:
    report_id = request.match_info["id"]

    async def act(session: AsyncSession, viewer: Viewer, form: dict[str, str], now: Any) -> str:
        dismiss = form["action"] == "dismiss"
        await report_queue.close_report(
            session, viewer, report_id, dismiss=dismiss, note=form["note"], now=now
        )
        if form["action"] == "close":  # a care report: nothing to judge, only to close
            return "closed"
        return "dismissed" if dismiss else "resolved"

    return await _act(request, ("note", "action"), act, "resolved")


async def approve_post(request: web.Request) -> web.Response:
    post_id = request.match_info["id"]

    async def act(session: AsyncSession, viewer: Viewer, form: dict[str, str], now: Any) -> None:
        await held_posts.approve_post(session, viewer, post_id, now=now)

    return await _act(request, (), act, "post_approved")


async def reject_post(request: web.Request) -> web.Response:
    post_id = request.match_info["id"]

    async def act(session: AsyncSession, viewer: Viewer, form: dict[str, str], now: Any) -> None:
        await held_posts.reject_post(session, viewer, post_id, reason=form["reason"], now=now)

    return await _act(request, ("reason",), act, "post_rejected")


async def decide_member(request: web.Request) -> web.Response:
    group, acct = request.match_info["name"], request.match_info["acct"]
    approve = request.match_info["decision"] == "approve"
    site = request.app[SITE]

    async def act(session: AsyncSession, viewer: Viewer, form: dict[str, str], now: Any) -> None:
        await membership.decide_membership(
            session, site, viewer, group, acct, approve=approve, now=now
        )

    return await _act(request, (), act, "member_approved" if approve else "member_rejected")


# --- the logs -----------------------------------------------------------------------------


def log_context(
    request: web.Request, found: Page[moderation.LogEntryView], _: Callable[[str], str]
) -> dict[str, Any]:
    return {
        "entries": [(entry, action_label(entry.action, _)) for entry in found.items],
        "next_link": page_link(request, cursor=found.next_cursor) if found.next_cursor else None,
    }


async def group_log(request: web.Request) -> web.Response:
    """A group's log: public for a public group, for its moderators otherwise."""
    name = request.match_info["name"]
    async with transaction(request) as session:
        viewer = await page_viewer(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            found = await moderation.list_log(
                session,
                request.app[SITE],
                viewer,
                name,
                cursor=request.query.get("cursor") or None,
            )
        except InvalidInput as error:
            raise NotFound(error.message) from None
        heading = _("Moderation log of %(group)s") % {"group": "!" + name}
        context = {
            "heading": heading,
            "node_log": False,
            "group": name,
            **log_context(request, found, _),
        }
        return render(request, page, "moderation_log.html", context)


async def node_log(request: web.Request) -> web.Response:
    """The node's own log (suspensions, reports of no group here), for node staff."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            found = await suspensions.list_node_log(
                session, viewer, cursor=request.query.get("cursor") or None
            )
        except InvalidInput as error:
            raise NotFound(error.message) from None
        heading = _("The node's moderation log")
        context = {"heading": heading, "node_log": True, **log_context(request, found, _)}
        return render(request, page, "moderation_log.html", context)
