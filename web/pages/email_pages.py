"""Your email address (``/settings/email``), its verification link
(``/email/verify/{token}``) and the digest's unsubscribe link
(``/email/unsubscribe/{token}``).

The address is shown on this page only, to its owner. A link from a mail opens a page
with one button rather than acting on the visit itself: mail scanners open links, and
must not verify or unsubscribe anyone. Both links work signed in or not.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, TooManyAttempts
from node.mail import addresses
from node.mail.kinds import DigestFrequency
from node.mail.links import LinkNotValid
from node.storage.models.mail import ADDRESS_MAX
from node.views import Viewer
from web.keys import CLOCK, SETTINGS
from web.mail import mail_context
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import page_viewer, signed_in
from web.pages.transaction import transaction

PATH = "/settings/email"
# What the page says once a form is done (never text taken from the address bar).
DONE = ("sent", "removed", "digest")


async def _email_page(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer,
    page: Frame,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    email = await addresses.get_email(session, viewer)
    done = request.query.get("done")
    context = {
        "email": email,
        "sends": request.app[SETTINGS].smtp_url is not None,
        "form": form or {"email": email.address if email else ""},
        "errors": errors or {},
        "done": done if done in DONE else None,
        "address_max": ADDRESS_MAX,
    }
    return render(request, page, "email_settings.html", context, status=status)


async def email_page(request: web.Request) -> web.Response:
    """GET /settings/email"""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        return await _email_page(request, session, viewer, page)


async def save_email(request: web.Request) -> web.Response:
    """POST /settings/email: add or change the address; a verification link goes to it."""
    form = await read_form(request, ("email",))
    settings = request.app[SETTINGS]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        error = None
        if settings.smtp_url is None:
            error = _("This node does not send email, so an address would receive nothing.")
        else:
            try:
                async with session.begin_nested():
                    await addresses.set_email(
                        session,
                        mail_context(settings),
                        viewer,
                        form["email"],
                        now=request.app[CLOCK](),
                    )
            except InvalidInput:
                error = _("Write one email address, such as ana@example.org.")
            except TooManyAttempts:
                error = _(
                    "Several links were sent in the last hour. Please wait a little, "
                    "then try again."
                )
        if error is not None:
            return await _email_page(
                request, session, viewer, page, form=form, errors={"email": error}, status=422
            )
    return redirect(f"{PATH}?done=sent")


async def remove_email(request: web.Request) -> web.Response:
    """POST /settings/email/remove: forget the address, in one click."""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await addresses.remove_email(session, viewer, now=request.app[CLOCK]())
    return redirect(f"{PATH}?done=removed")


async def save_digest(request: web.Request) -> web.Response:
    """POST /settings/email/digest: off, daily or weekly."""
    form = await read_form(request, ("digest",))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                await addresses.set_digest(session, viewer, DigestFrequency(form["digest"]))
        except (InvalidInput, ValueError):
            errors = {"digest": _("A summary can only go to a verified email address.")}
            return await _email_page(request, session, viewer, page, errors=errors, status=422)
    return redirect(f"{PATH}?done=digest")


async def _link_page(
    request: web.Request, template_context: dict[str, Any], status: int = 200
) -> web.Response:
    async with transaction(request) as session:
        page = await frame(request, session, await page_viewer(request, session))
        response = render(request, page, "email_link.html", template_context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def verify_form(request: web.Request) -> web.Response:
    """GET /email/verify/{token}: one button, so a mail scanner verifies nothing."""
    return await _link_page(request, {"purpose": "verify", "token": request.match_info["token"]})


async def verify(request: web.Request) -> web.Response:
    """POST /email/verify/{token}"""
    await read_form(request, ())
    try:
        async with transaction(request) as session:
            await addresses.verify_email(
                session, request.match_info["token"], now=request.app[CLOCK]()
            )
    except LinkNotValid as refused:
        return await _link_page(request, {"purpose": "verify", "refused": refused.reason}, 410)
    return await _link_page(request, {"purpose": "verify", "done": True})


async def unsubscribe_form(request: web.Request) -> web.Response:
    """GET /email/unsubscribe/{token}"""
    context = {"purpose": "unsubscribe", "token": request.match_info["token"]}
    return await _link_page(request, context)


async def unsubscribe(request: web.Request) -> web.Response:
    """POST /email/unsubscribe/{token}: the digest stops, without signing in."""
    await read_form(request, ())
    try:
        async with transaction(request) as session:
            await addresses.unsubscribe(
                session, request.match_info["token"], now=request.app[CLOCK]()
            )
    except LinkNotValid as refused:
        context = {"purpose": "unsubscribe", "refused": refused.reason}
        return await _link_page(request, context, 410)
    return await _link_page(request, {"purpose": "unsubscribe", "done": True})
