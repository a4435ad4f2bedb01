"""Inbox routes: the shared inbox and each local actor's own, all one pipeline."""

from __future__ import annotations

import logging

from aiohttp import web

from federation import metrics
from federation.inbox.receive import InboxRefusal, Incoming, receive
from node.actors import find_actor
from node.kinds import ActorKind
from web.bodies import BodyRefused, read_body
from web.keys import FEDERATION, SESSIONS, SETTINGS, SITE
from web.problems import REQUEST_ID, Problem, hostile

log = logging.getLogger("kinfolk.inbox")
# Refusals of what no honest server sends: logged at WARNING rather than INFO.
HOSTILE = {"too_deep"}


async def _check_recipient(request: web.Request) -> None:
    kind_segment = request.match_info.get("kind")
    if kind_segment is None:
        return  # the shared inbox or the instance actor's
    kind = ActorKind.GROUP if kind_segment == "groups" else ActorKind.PERSON
    async with request.app[SESSIONS]() as session:
        await find_actor(session, request.match_info["name"], request.app[SITE].domain, kind)


def incoming_from(request: web.Request, body: bytes) -> Incoming:
    """The request as the signature saw it: our scheme, the Host received, the raw path."""
    scheme = request.app[SITE].base_url.split("://", 1)[0]
    return Incoming(
        method=request.method,
        url=f"{scheme}://{request.host}{request.raw_path}",
        headers=request.headers,
        body=body,
        content_type=request.content_type if body else "",
    )


async def inbox(request: web.Request) -> web.Response:
    await _check_recipient(request)
    limit = request.app[SETTINGS].max_request_bytes
    try:
        body = await read_body(request, limit, what="an activity")
    except BodyRefused as refusal:
        metrics.inbox_refused(refusal.code, refusal.detail)
        raise
    incoming = incoming_from(request, body)
    try:
        accepted = await receive(request.app[FEDERATION], incoming)
    except InboxRefusal as refusal:
        metrics.inbox_refused(refusal.code, refusal.detail)
        problem = Problem(refusal.status, refusal.code, refusal.detail)
        if refusal.code in HOSTILE:
            raise hostile(request, problem) from None
        log.info(
            "inbox refused: %s",
            refusal.detail,
            extra={"request_id": request[REQUEST_ID], "code": refusal.code, "peer": request.remote},
        )
        raise problem from None
    metrics.inbox_accepted(accepted.duplicate)
    log.info(
        "inbox accepted %s from %s%s",
        accepted.activity_id,
        accepted.actor,
        " (duplicate)" if accepted.duplicate else "",
        extra={"request_id": request[REQUEST_ID]},
    )
    return web.json_response({"status": "accepted"}, status=202)


def add_inbox_routes(app: web.Application) -> None:
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/actor/inbox", inbox)
    app.router.add_post(r"/{kind:members|groups}/{name}/inbox", inbox)
