"""Deleting your own account from the settings: what happens, explained calmly, then the
password and a checkbox, then a kind goodbye (with where to find help, for anyone
leaving on a bad night). The work is ``node.account_deletion``'s, as for the API and
the command line."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.account_deletion import deleting
from node.errors import InvalidInput
from web.keys import CLOCK, PASSWORDS
from web.pages.crisis import crisis_resources
from web.pages.forms import read_form
from web.pages.render import frame, gettext_for, redirect, render
from web.pages.session import SESSION_COOKIE, page_viewer, signed_in
from web.pages.transaction import transaction

GOODBYE = "/goodbye"


async def deletion_form(request: web.Request) -> web.Response:
    """GET /settings/delete"""
    async with transaction(request) as session:
        page = await frame(request, session, await signed_in(request, session))
        return render(request, page, "account_delete.html", {"errors": {}})


async def delete_account(request: web.Request) -> web.Response:
    """POST /settings/delete: the password and the checkbox; then signed out, and goodbye."""
    form = await read_form(request, ("password", "confirm"))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        errors: dict[str, str] = {}
        if form["confirm"] != "yes":
            errors["confirm"] = _("Tick the box if you want to delete your account.")
        else:
            try:
                async with session.begin_nested():
                    await deleting.delete_own_account(
                        session,
                        request.app[PASSWORDS],
                        viewer,
                        form["password"],
                        now=request.app[CLOCK](),
                    )
            except InvalidInput:
                errors["password"] = _("This is not your password.")
            except deleting.LastAdmin:
                errors["form"] = _(
                    "You are the only admin of this node. Make another member an admin "
                    "first, so that someone can still look after it."
                )
            except deleting.SoleOwner as owner:
                errors["form"] = _(
                    "You are the only owner of %(groups)s. Please make someone else an owner "
                    "first, so that the group is looked after."
                ) % {"groups": ", ".join(owner.groups)}
        if errors:
            context: dict[str, Any] = {"errors": errors}
            return render(request, page, "account_delete.html", context, status=422)
    response = redirect(GOODBYE)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def goodbye(request: web.Request) -> web.Response:
    """GET /goodbye: after the deletion, signed out."""
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        context = {"crisis": await crisis_resources(request, session, page)}
        return render(request, page, "goodbye.html", context)
