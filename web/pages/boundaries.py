"""A member's boundaries on the pages (``/settings/boundaries``): who may ask them for a
conversation, and the people and nodes they muted or blocked, each with a button to
undo it; and the mute and block buttons beside a person's posts and on their profile.

Every form goes through the services the API calls (``node.boundaries``). After muting
or blocking from a thread, the member is taken back to it (the person's posts are gone
from it) with a word saying what changed and where to undo it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from node.actors import find_actor, split_acct
from node.boundaries import blocking, entries, muting, settings
from node.errors import InvalidInput
from node.kinds import ActorKind, ContactPolicy
from node.pagination import MAX_LIMIT
from node.storage.models.actors import Actor
from node.views import Viewer
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.return_path import local_path
from web.pages.session import signed_in
from web.pages.threads import Gettext, refused
from web.pages.transaction import transaction

PATH = "/settings/boundaries"
# What the settings page says once a form is done (never text taken from the address).
DONE = ("saved", "muted", "unmuted", "blocked", "unblocked", "node_blocked", "node_unblocked")


def policy_labels(_: Gettext) -> list[tuple[str, str]]:
    return [
        (ContactPolicy.NOBODY.value, _("Nobody")),
        (ContactPolicy.SHARED_GROUPS.value, _("People in groups I'm in")),
        (ContactPolicy.THIS_NODE.value, _("People in my groups, and everyone on this node")),
        (
            ContactPolicy.TRUSTED_NODES.value,
            _("People in my groups, everyone on this node and on the nodes it trusts"),
        ),
        (ContactPolicy.ANYONE.value, _("Anyone, here or on other nodes")),
    ]


def done_messages(_: Gettext) -> dict[str, str]:
    return {
        "saved": _("Your choice is saved."),
        "muted": _("Muted. Their posts are no longer shown to you; they are not told."),
        "unmuted": _("Unmuted. Their posts are shown to you again."),
        "blocked": _(
            "Blocked. Their posts are no longer shown to you, and they cannot reply to you "
            "or ask you for a conversation."
        ),
        "unblocked": _("Unblocked."),
        "node_blocked": _("This node is blocked for you."),
        "node_unblocked": _("This node is no longer blocked for you."),
    }


async def _context(
    request: web.Request, viewer: Viewer, page: Frame, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    async with transaction(request) as session:
        policy = await settings.contact_policy(session, viewer)
        muted = await entries.muted(session, viewer, limit=MAX_LIMIT)
        blocked = await entries.blocked(session, viewer, limit=MAX_LIMIT)
        nodes = await entries.blocked_nodes(session, viewer, limit=MAX_LIMIT)
    _ = gettext_for(request, page.locale)
    code = request.query.get("done", "")
    return {
        "policy": policy.value,
        "policies": policy_labels(_),
        "muted": muted.items,
        "blocked": blocked.items,
        "nodes": nodes.items,
        "notice": done_messages(_).get(code) if code in DONE else None,
        "errors": errors or {},
    }


async def boundaries_page(request: web.Request) -> web.Response:
    """GET /settings/boundaries"""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
    return render(request, page, "boundaries.html", await _context(request, viewer, page))


async def save_policy(request: web.Request) -> web.Response:
    """POST /settings/boundaries: who may ask the member for a conversation."""
    form = await read_form(request, ("contact_policy",))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        if form["contact_policy"] in ContactPolicy.__members__.values():
            await settings.set_contact_policy(
                session, viewer, ContactPolicy(form["contact_policy"])
            )
    return redirect(f"{PATH}?done=saved")


def _back(form: dict[str, str], code: str) -> str:
    """Back to the thread the form was on, saying what was done; else to the settings."""
    back = local_path(form["back"], PATH)
    if not back.startswith("/posts/"):
        back = PATH
    return str(URL(back).update_query(done=code))


async def _person(session: AsyncSession, request: web.Request, acct: str) -> Actor:
    handle, domain = split_acct(acct, request.app[SITE].domain)
    return await find_actor(session, handle, domain, ActorKind.PERSON)


async def _about_person(request: web.Request, code: str) -> web.Response:
    form = await read_form(request, ("acct", "back"))
    try:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            target = await _person(session, request, form["acct"])
            now = request.app[CLOCK]()
            if code == "muted":
                await muting.mute(session, viewer, target, now=now)
            elif code == "unmuted":
                await muting.unmute(session, viewer, target)
            elif code == "blocked":
                await blocking.block(session, viewer, target, now=now)
            else:
                await blocking.unblock(session, viewer, target, now=now)
    except InvalidInput:  # oneself, or a group: no button offers it, a crafted form may
        async with transaction(request) as session:
            page = await frame(request, session, await signed_in(request, session))
        _ = gettext_for(request, page.locale)
        message = _("Only people can be muted or blocked, and never yourself.")
        return refused(request, page, 422, message, PATH)
    return redirect(_back(form, code))


async def mute(request: web.Request) -> web.Response:
    """POST /settings/boundaries/mute"""
    return await _about_person(request, "muted")


async def unmute(request: web.Request) -> web.Response:
    """POST /settings/boundaries/unmute"""
    return await _about_person(request, "unmuted")


async def block(request: web.Request) -> web.Response:
    """POST /settings/boundaries/block"""
    return await _about_person(request, "blocked")


async def unblock(request: web.Request) -> web.Response:
    """POST /settings/boundaries/unblock"""
    return await _about_person(request, "unblocked")


async def block_node(request: web.Request) -> web.Response:
    """POST /settings/boundaries/nodes/block: a node's name, checked; asked again if wrong."""
    form = await read_form(request, ("domain",))
    try:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            await blocking.block_node(
                session, request.app[SITE], viewer, form["domain"], now=request.app[CLOCK]()
            )
    except InvalidInput as error:
        async with transaction(request) as session:
            viewer = await signed_in(request, session)
            page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        own = "own node" in error.message
        message = (
            _("This is your own node.")
            if own
            else _("Write a node's name, such as social.example.")
        )
        context = await _context(request, viewer, page, errors={"domain": message})
        context["domain_value"] = form["domain"]
        return render(request, page, "boundaries.html", context, status=422)
    return redirect(f"{PATH}?done=node_blocked")


async def unblock_node(request: web.Request) -> web.Response:
    """POST /settings/boundaries/nodes/unblock"""
    form = await read_form(request, ("domain",))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await blocking.unblock_node(session, request.app[SITE], viewer, form["domain"])
    return redirect(f"{PATH}?done=node_unblocked")
