"""Conversations by consent, as pages: the member's conversations, the requests waiting
for their answer, one conversation with its messages, asking someone to talk, ending.

Thin like the API: each page reads a form and calls ``node.conversations``. A request
in the list shows who asks, never their words; the words show once the member opens it,
with Accept, Decline and Decline-and-block beside them. Opening a conversation marks its
messages read. A refusal to ask says only that the person is not available.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.protocol.vocab import ACTIVITY_MEDIA_TYPES
from federation.remote.http import FetchError
from node import conversations
from node.actors import find_actor, split_acct
from node.conversations import AlreadyOpen, ConversationClosed, ConversationView, NotAvailable
from node.errors import InvalidInput, NotFound
from node.kinds import ActorKind
from node.storage.models.actors import Actor
from node.views import Viewer
from web.keys import CLOCK, FEDERATION, SITE
from web.pages.forms import read_form
from web.pages.render import Frame, frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.threads import refused
from web.pages.transaction import transaction

LIST = "/conversations"
REQUESTS = "/conversations/requests"
NEW = "/conversations/new"
# Messages on one page; earlier ones are a link away.
SHOWN = 50

Gettext = Callable[[str], str]


def conversation_path(view: ConversationView) -> str:
    return f"{LIST}/{view.public_id}"


async def _mine(request: web.Request, session: AsyncSession, viewer: Viewer) -> ConversationView:
    return await conversations.conversation_for(session, request.match_info["id"], viewer.actor_id)


async def conversation_list(request: web.Request) -> web.Response:
    """GET /conversations: accepted and ended conversations, the liveliest first."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        found = await conversations.conversations_of(
            session, viewer.actor_id, request.query.get("cursor") or None
        )
        count = await conversations.unread_count(session, viewer.actor_id)
        context = {
            "conversations": found.items,
            "next_cursor": found.next_cursor,
            "requests": count.requests,
            "me": viewer.actor_id,
        }
        return render(request, page, "conversations.html", context)


async def request_list(request: web.Request) -> web.Response:
    """GET /conversations/requests: who asks to talk (their words only once opened)."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        found = await conversations.requests_for(
            session, viewer.actor_id, request.query.get("cursor") or None
        )
        # The member's own, still unanswered: the newest few, each a link away.
        sent = await conversations.requests_for(session, viewer.actor_id, sent=True)
        context = {
            "requests": found.items,
            "next_cursor": found.next_cursor,
            "sent": sent.items,
        }
        return render(request, page, "conversation_requests.html", context)


async def _show(
    request: web.Request,
    session: AsyncSession,
    viewer: Viewer,
    page: Frame,
    view: ConversationView,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    messages = await conversations.messages(
        session, view.id, viewer.actor_id, request.query.get("before") or None, limit=SHOWN
    )
    await conversations.mark_read(session, view.id, viewer.actor_id, request.app[CLOCK]())
    context = {
        "conversation": view,
        "other": view.other(viewer.actor_id),
        "asked_by_me": view.asker_id == viewer.actor_id,
        "ended_by_me": view.ended_by is not None
        and view.ended_by.uri != view.other(viewer.actor_id).uri,
        "messages": list(reversed(messages.items)),
        "earlier": messages.next_cursor,
        "me": viewer.actor_id,
        "here": conversation_path(view),
        "form": form or {},
        "errors": errors or {},
        "text_max": conversations.TEXT_MAX,
    }
    return render(request, page, "conversation.html", context, status=status)


def _asks_for_activitypub(request: web.Request) -> bool:
    accepted = request.headers.get("Accept", "").split(",")
    return any(part.split(";", 1)[0].strip().lower() in ACTIVITY_MEDIA_TYPES for part in accepted)


async def conversation_page(request: web.Request) -> web.Response:
    """GET /conversations/{id}: one conversation (or request), for its two members. Its
    address is also the conversation's id where it travels, and no server is served
    anything there, the other member's included (FEDERATION.md): not found."""
    if _asks_for_activitypub(request):
        raise NotFound("there is no such conversation")
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        view = await _mine(request, session, viewer)
        return await _show(request, session, viewer, page, view)


def _text_error(error: InvalidInput, _: Gettext) -> str:
    if "characters" in error.message:
        return _("A message can hold up to %(max)s characters. Perhaps send it in two parts?") % {
            "max": f"{conversations.TEXT_MAX:,}"
        }
    return _("Please write a few words first.")


async def send(request: web.Request) -> web.Response:
    """POST /conversations/{id}/messages"""
    form = await read_form(request, ("text",))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        view = await _mine(request, session, viewer)
        try:
            async with session.begin_nested():
                await conversations.send_message(
                    session,
                    request.app[SITE],
                    view.id,
                    viewer.actor_id,
                    form["text"],
                    request.app[CLOCK](),
                )
        except ConversationClosed:
            page = await frame(request, session, viewer)
            _ = gettext_for(request, page.locale)
            message = _("This conversation is not open, so nothing was sent.")
            return refused(request, page, 409, message, conversation_path(view), kept=form["text"])
        except InvalidInput as error:
            page = await frame(request, session, viewer)
            errors = {"text": _text_error(error, gettext_for(request, page.locale))}
            view = await _mine(request, session, viewer)
            return await _show(
                request, session, viewer, page, view, form=form, errors=errors, status=422
            )
    return redirect(f"{conversation_path(view)}#write")


async def _answer(
    request: web.Request,
    step: Callable[..., Any],
    fields: tuple[str, ...] = (),
    *,
    then: str | None = None,
) -> web.Response:
    form = await read_form(request, fields)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        view = await _mine(request, session, viewer)
        try:
            async with session.begin_nested():
                await step(session, view.id, viewer.actor_id, request.app[CLOCK](), form)
        except ConversationClosed:
            pass  # answered or ended already (another tab): the page shows where it stands
    return redirect(then or conversation_path(view))


async def accept(request: web.Request) -> web.Response:
    """POST /conversations/{id}/accept"""

    async def step(session: AsyncSession, conversation_id: int, by: int, now: Any, _: Any) -> None:
        await conversations.accept(session, conversation_id, by, now)

    return await _answer(request, step)


async def decline(request: web.Request) -> web.Response:
    """POST /conversations/{id}/decline (``block=1``: and block the asker)"""

    async def step(
        session: AsyncSession, conversation_id: int, by: int, now: Any, form: dict[str, str]
    ) -> None:
        await conversations.decline(session, conversation_id, by, now, block=form["block"] == "1")

    return await _answer(request, step, ("block",), then=REQUESTS)


async def end_form(request: web.Request) -> web.Response:
    """GET /conversations/{id}/end: are you sure?"""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        view = await _mine(request, session, viewer)
        context = {
            "conversation": view,
            "other": view.other(viewer.actor_id),
            "here": conversation_path(view),
            "asked_by_me": view.asker_id == viewer.actor_id,
        }
        return render(request, page, "conversation_end.html", context)


async def end(request: web.Request) -> web.Response:
    """POST /conversations/{id}/end"""

    async def step(session: AsyncSession, conversation_id: int, by: int, now: Any, _: Any) -> None:
        await conversations.end(session, conversation_id, by, now)

    return await _answer(request, step)


# --- asking ---------------------------------------------------------------------------


def _ask_page(
    request: web.Request,
    page: Frame,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    *,
    status: int = 200,
    existing: str | None = None,
) -> web.Response:
    context = {
        "form": form,
        "errors": errors or {},
        "text_max": conversations.TEXT_MAX,
        "existing": existing,
    }
    return render(request, page, "conversation_new.html", context, status=status)


async def ask_form(request: web.Request) -> web.Response:
    """GET /conversations/new?to=name (from a member's profile)"""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        return _ask_page(request, page, {"to": request.query.get("to", "")[:600], "text": ""})


async def _look_up_elsewhere(request: web.Request, to: str) -> None:
    """Someone on another node is looked up by WebFinger (and kept) before the
    transaction, so that they can be asked from here; one that cannot be found is then
    not available, as any other refusal."""
    site = request.app[SITE]
    handle, domain = split_acct(to.strip(), site.domain)
    if handle and domain != site.domain:
        with suppress(FetchError):
            await request.app[FEDERATION].lookup(f"{handle}@{domain}")


async def ask(request: web.Request) -> web.Response:
    """POST /conversations/new"""
    form = await read_form(request, ("to", "text"))
    site = request.app[SITE]
    async with transaction(request) as session:
        await signed_in(request, session)  # a visitor signed in, before any lookup
    await _look_up_elsewhere(request, form["to"])
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        try:
            async with session.begin_nested():
                handle, domain = split_acct(form["to"].strip(), site.domain)
                try:
                    recipient = await find_actor(session, handle, domain, ActorKind.PERSON)
                except NotFound:
                    raise NotAvailable() from None
                view = await conversations.ask(
                    session,
                    site,
                    await session.get_one(Actor, viewer.actor_id),
                    recipient,
                    form["text"],
                    request.app[CLOCK](),
                )
        except InvalidInput as error:
            return _ask_page(request, page, form, {"text": _text_error(error, _)}, status=422)
        except AlreadyOpen as error:
            message = _("You already have an open request or conversation with this person.")
            existing = f"{LIST}/{error.public_id}"
            return _ask_page(request, page, form, {"to": message}, status=409, existing=existing)
        except NotAvailable:
            message = _("This person is not available to talk.")
            return _ask_page(request, page, form, {"to": message}, status=403)
    return redirect(conversation_path(view))
