"""The web interface: server-rendered pages for members, moderators and admins.

Pages are thin like the API: they read a form, call the same domain services (so
the same permission checks apply), and render a template in the visitor's
language. They work without JavaScript. Every form is CSRF-protected; a form that
cannot be read is answered with a page that says why, in the visitor's language,
and a log line.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import web

from node.errors import AuthenticationFailed, Gone, NotFound, PermissionDenied
from web.pages import (
    account_deletion,
    admin,
    admin_blocklists,
    admin_federation,
    admin_health,
    admin_hosts,
    anonymous,
    boundaries,
    care,
    checkins,
    conversations,
    crisis_editor,
    email_pages,
    meeting_form,
    meeting_lists,
    meetings,
    moderation,
    notifications,
    password_pages,
    post_actions,
    stepping_back,
    topic_pages,
    your_data,
)
from web.pages.auth import (
    choose_language,
    signin,
    signin_form,
    signout,
    signup,
    signup_form,
)
from web.pages.compose import compose, compose_form
from web.pages.find_group import find, find_form
from web.pages.forms import FormRefused
from web.pages.groups import directory, group_page, join, leave
from web.pages.home import home
from web.pages.profiles import profile_page
from web.pages.render import PAGES, build_catalogues, frame, gettext_for, render
from web.pages.reports import report_member, report_member_form, report_post, report_post_form
from web.pages.session import CsrfRefused, page_viewer
from web.pages.settings import change_password, save_settings, settings_page
from web.pages.threads import reply, thread_page
from web.pages.transaction import transaction

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

Handler = Callable[[web.Request], Awaitable[web.Response]]
log = logging.getLogger(__name__)


Refusal = CsrfRefused | FormRefused | NotFound | PermissionDenied | AuthenticationFailed


def _refusal(refusal: Refusal, _: Callable[[str], str]) -> tuple[int, str, str]:
    """Status, title and message of the page that says why a request was refused."""
    if isinstance(refusal, CsrfRefused):
        return (
            403,
            _("Form not accepted"),
            _(
                "This form has expired or did not come from this site. Please go back, reload "
                "the page and try again."
            ),
        )
    if isinstance(refusal, FormRefused):
        return refusal.status, _("Form not accepted"), _("This form could not be read.")
    if isinstance(refusal, Gone):
        return (
            410,
            _("This account was deleted"),
            _("The person who had this account deleted it. What they wrote is gone from here too."),
        )
    if isinstance(refusal, NotFound):
        return 404, _("Not found"), _("This page does not exist, or it is not visible to you.")
    return 403, _("Not allowed"), _("You are not allowed to do this.")


def _guarded(handler: Handler) -> Handler:
    """Turn a refused form, or a domain refusal a page did not handle itself, into a page
    that says why in the visitor's language, with the right status and a log line."""

    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (
            CsrfRefused,
            FormRefused,
            NotFound,
            PermissionDenied,
            AuthenticationFailed,
        ) as refusal:
            if not isinstance(refusal, CsrfRefused):  # that one is logged where it is decided
                log.info("page refused on %s %s: %s", request.method, request.path, refusal)
            async with transaction(request) as session:
                page = await frame(request, session, await page_viewer(request, session))
            status, title, message = _refusal(refusal, gettext_for(request, page.locale))
            context = {"title": title, "message": message}
            return render(request, page, "message.html", context, status=status)

    return guarded


# A group's page, at its actor URL: web.activitypub.group hands browsers to it.
browser_group_page = _guarded(group_page)
# A post's thread and a member's profile, at their actor/object URLs: web.activitypub
# hands browsers to them.
browser_thread_page = _guarded(thread_page)
browser_profile_page = _guarded(profile_page)
browser_meeting_page = _guarded(meetings.meeting_page)


async def _catalogues(app: web.Application) -> AsyncIterator[None]:
    app[PAGES] = build_catalogues()
    yield


def add_page_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_catalogues)
    # Each page module's routes, every one guarded.
    for method, path, handler in (
        ("GET", "/", home),
        ("GET", "/signup", signup_form),
        ("POST", "/signup", signup),
        ("GET", "/signin", signin_form),
        ("POST", "/signin", signin),
        ("POST", "/signout", signout),
        ("GET", "/language/{code}", choose_language),
        # The group pages (a group's own page answers at its actor URL: web.activitypub).
        ("GET", "/groups", directory),
        ("GET", "/find-group", find_form),
        ("POST", "/find-group", find),
        ("POST", "/groups/{name}/join", join),
        ("POST", "/groups/{name}/leave", leave),
        ("POST", "/groups/{name}/settings", anonymous.save_group_settings),
        # Threads, reports, settings (threads and profiles answer at their actor and
        # object URLs: web.activitypub).
        ("POST", "/posts/{id}/reply", reply),
        # What members and moderators do to a post from its thread (web.pages.post_actions).
        ("GET", "/posts/{id}/edit", post_actions.edit_form),
        ("POST", "/posts/{id}/edit", post_actions.edit),
        ("GET", "/posts/{id}/delete", post_actions.delete_form),
        ("POST", "/posts/{id}/delete", post_actions.delete),
        ("POST", "/posts/{id}/support", post_actions.support),
        ("POST", "/moderation/posts/{id}/restore", post_actions.restore),
        ("POST", "/moderation/posts/{id}/lock", post_actions.lock),
        ("POST", "/moderation/posts/{id}/unlock", post_actions.unlock),
        ("GET", "/groups/{name}/compose", compose_form),
        ("POST", "/groups/{name}/compose", compose),
        ("GET", "/posts/{id}/report", report_post_form),
        ("POST", "/posts/{id}/report", report_post),
        ("GET", "/members/{name}/report", report_member_form),
        ("POST", "/members/{name}/report", report_member),
        ("GET", "/posts/{id}/care", care.care_post_form),
        ("POST", "/posts/{id}/care", care.care_post),
        ("GET", "/members/{name}/care", care.care_member_form),
        ("POST", "/members/{name}/care", care.care_member),
        ("GET", "/care-messages", care.messages),
        ("POST", "/care-messages/{id}/read", care.read_message),
        # Conversations by consent (web.pages.conversations).
        ("GET", "/conversations", conversations.conversation_list),
        ("GET", "/conversations/requests", conversations.request_list),
        ("GET", "/conversations/new", conversations.ask_form),
        ("POST", "/conversations/new", conversations.ask),
        ("GET", "/conversations/{id}", conversations.conversation_page),
        ("POST", "/conversations/{id}/messages", conversations.send),
        ("POST", "/conversations/{id}/accept", conversations.accept),
        ("POST", "/conversations/{id}/decline", conversations.decline),
        ("GET", "/conversations/{id}/end", conversations.end_form),
        ("POST", "/conversations/{id}/end", conversations.end),
        # Notifications and quiet hours (web.pages.notifications).
        ("GET", "/notifications", notifications.notifications_page),
        ("POST", "/notifications/read", notifications.mark_all_read),
        ("POST", "/notifications/{id}/read", notifications.mark_read),
        ("GET", "/settings/notifications", notifications.settings_page),
        ("POST", "/settings/notifications", notifications.save_settings),
        # Meetings (web.pages.meetings, meeting_form, meeting_lists).
        ("GET", "/meetings", meeting_lists.my_meetings),
        ("POST", "/meetings/calendar", meeting_lists.make_feed),
        ("POST", "/meetings/calendar/revoke", meeting_lists.revoke_feed),
        ("GET", "/groups/{name}/meetings/new", meeting_form.schedule_form),
        ("POST", "/groups/{name}/meetings/new", meeting_form.schedule),
        # GET /meetings/{id} is web.activitypub's: the Event, or this page for a browser.
        ("GET", "/meetings/{id}/edit", meeting_form.edit_form),
        ("POST", "/meetings/{id}/edit", meeting_form.edit),
        ("POST", "/meetings/{id}/answer", meetings.answer),
        ("POST", "/meetings/{id}/cancel", meetings.cancel_meeting),
        ("POST", "/meetings/{id}/occurrences/{date}/cancel", meetings.cancel_occurrence),
        ("POST", "/meetings/{id}/occurrences/{date}/move", meetings.move_occurrence),
        ("POST", "/meetings/{id}/facilitators", meetings.facilitators),
        (
            "POST",
            "/meetings/{id}/participants/{handle}/{decision:accept|decline}",
            meetings.decide,
        ),
        # Private check-ins (web.pages.checkins).
        ("GET", "/checkins", checkins.checkins_page),
        ("POST", "/checkins", checkins.record),
        ("POST", "/checkins/{id}/delete", checkins.delete),
        ("POST", "/checkins/{id}/share", checkins.share),
        ("GET", "/settings", settings_page),
        ("POST", "/settings", save_settings),
        ("POST", "/settings/password", change_password),
        ("GET", "/settings/topics", topic_pages.filters_page),
        ("POST", "/settings/topics", topic_pages.save_filters),
        ("GET", "/settings/boundaries", boundaries.boundaries_page),
        ("POST", "/settings/boundaries", boundaries.save_policy),
        ("POST", "/settings/boundaries/mute", boundaries.mute),
        ("POST", "/settings/boundaries/unmute", boundaries.unmute),
        ("POST", "/settings/boundaries/block", boundaries.block),
        ("POST", "/settings/boundaries/unblock", boundaries.unblock),
        ("POST", "/settings/boundaries/nodes/block", boundaries.block_node),
        ("POST", "/settings/boundaries/nodes/unblock", boundaries.unblock_node),
        ("GET", "/settings/data", your_data.data_page),
        ("POST", "/settings/data/export", your_data.request_export),
        ("GET", "/settings/data/archive/{token}", your_data.download),
        # Email: the member's address and digest, links from mail, forgotten passwords.
        ("GET", "/settings/email", email_pages.email_page),
        ("POST", "/settings/email", email_pages.save_email),
        ("POST", "/settings/email/remove", email_pages.remove_email),
        ("POST", "/settings/email/digest", email_pages.save_digest),
        ("GET", "/email/verify/{token}", email_pages.verify_form),
        ("POST", "/email/verify/{token}", email_pages.verify),
        ("GET", "/email/unsubscribe/{token}", email_pages.unsubscribe_form),
        ("POST", "/email/unsubscribe/{token}", email_pages.unsubscribe),
        ("GET", "/password/forgot", password_pages.forgot_form),
        ("POST", "/password/forgot", password_pages.forgot),
        ("GET", "/password/reset/{token}", password_pages.reset_form),
        ("POST", "/password/reset/{token}", password_pages.reset),
        ("GET", "/groups/{name}/topics", topic_pages.group_topics_page),
        ("POST", "/groups/{name}/topics", topic_pages.save_group_topics),
        # Moderation and administration.
        ("GET", "/moderation", moderation.queue),
        ("POST", "/moderation/reports/{id}/close", moderation.close_report),
        ("POST", "/moderation/step-back", stepping_back.step_back),
        ("POST", "/moderation/come-back", stepping_back.come_back),
        ("POST", "/moderation/reports/{id}/reach-out", care.reach_out),
        ("POST", "/moderation/reports/{id}/share-resources", care.share_resources),
        ("POST", "/moderation/posts/{id}/remove", moderation.remove_post),
        ("POST", "/moderation/posts/{id}/ban-writer", anonymous.ban_writer),
        ("POST", "/moderation/posts/{id}/approve", moderation.approve_post),
        ("POST", "/moderation/posts/{id}/reject", moderation.reject_post),
        (
            "POST",
            "/moderation/groups/{name}/members/{acct}/{decision:approve|reject}",
            moderation.decide_member,
        ),
        ("GET", "/groups/{name}/modlog", moderation.group_log),
        ("GET", "/admin/log", moderation.node_log),
        ("GET", "/admin", admin.settings),
        ("POST", "/admin/site", admin.save_site),
        ("POST", "/admin/rules", admin.save_rules),
        ("GET", "/admin/crisis", crisis_editor.node_form),
        ("POST", "/admin/crisis", crisis_editor.save_node),
        ("POST", "/admin/crisis/phrases", crisis_editor.save_phrases),
        ("GET", "/groups/{name}/crisis", crisis_editor.group_form),
        ("POST", "/groups/{name}/crisis", crisis_editor.save_group),
        ("POST", "/admin/suspend", admin.suspend),
        ("GET", "/admin/federation", admin_federation.federation),
        ("POST", "/admin/federation/mode", admin_federation.save_mode),
        ("POST", "/admin/federation/publish", admin_federation.save_publish),
        ("POST", "/admin/federation/rules", admin_federation.save_rule),
        ("POST", "/admin/federation/remove", admin_federation.remove_rule),
        ("POST", "/admin/federation/import", admin_federation.import_rules),
        ("GET", "/admin/federation/export.csv", admin_federation.export_rules),
        ("GET", "/admin/health", admin_health.health),
        ("GET", "/admin/federation/hosts/{host}", admin_hosts.host),
        ("POST", "/admin/federation/hosts/{host}/retry", admin_hosts.retry),
        ("GET", "/admin/federation/hosts/{host}/drop", admin_hosts.confirm_drop),
        ("POST", "/admin/federation/hosts/{host}/drop", admin_hosts.drop),
        ("GET", "/admin/federation/lists", admin_blocklists.lists),
        ("POST", "/admin/federation/lists", admin_blocklists.subscribe),
        ("POST", "/admin/federation/lists/{id}/{action}", admin_blocklists.act),
        ("POST", "/admin/federation/trust", admin_blocklists.trust),
        # Deleting one's own account, and the goodbye after it.
        ("GET", "/settings/delete", account_deletion.deletion_form),
        ("POST", "/settings/delete", account_deletion.delete_account),
        ("GET", "/goodbye", account_deletion.goodbye),
    ):
        app.router.add_route(method, path, _guarded(handler))
    app.router.add_static("/static", STATIC_DIR)
