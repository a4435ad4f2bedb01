"""Finding a group by its handle or address: here, or on another node (fetched and
remembered, as ``POST /api/v1/groups/lookup`` does), then off to its page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.remote.groups import find_group
from federation.remote.http import FetchError
from node.actors import find_actor_by_uri
from node.errors import NotFound
from node.groups import loading
from node.kinds import ActorKind
from node.views import Viewer
from web.keys import FEDERATION, SITE
from web.pages.fetch_failures import FAILURES, fetch_failure
from web.pages.forms import read_form
from web.pages.groups import actor_of, group_path
from web.pages.render import frame, gettext_for, redirect, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

log = logging.getLogger(__name__)

REF_MAX = 2048


async def find_form(request: web.Request) -> web.Response:
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
    return render(request, page, "find_group.html", {"form": {}, "errors": {}})


async def _find(request: web.Request, viewer: Viewer, ref: str) -> str:
    """The page of the group ``ref`` names, here or elsewhere (fetched and remembered, as
    ``POST /api/v1/groups/lookup`` does); else which failure it was."""
    site, fed = request.app[SITE], request.app[FEDERATION]
    if not ref or len(ref) > REF_MAX or any(c.isspace() for c in ref):
        raise _Failed("malformed")
    if ref.startswith(("https://", "http://")):
        try:
            host = urlsplit(ref).hostname
        except ValueError:
            host = None
        if not host:
            raise _Failed("malformed")
        if ref.startswith(site.base_url + "/"):
            async with transaction(request) as session:
                actor = await find_actor_by_uri(session, ref)
                return await _shown(session, viewer, actor, site.domain)
        target = ref
    else:
        handle, _, domain = ref.lstrip("@!").partition("@")
        if not handle or "/" in handle or "@" in domain:
            raise _Failed("malformed")
        if not domain or domain.lower() == site.domain:
            async with transaction(request) as session:
                try:
                    record = await loading.load_group(session, site, viewer, handle)
                except NotFound:
                    raise _Failed("unknown") from None
                return group_path(actor_of(record), site.domain)
        target = f"{handle}@{domain.lower()}"
    try:
        actor = await find_group(fed, target)
    except FetchError as error:
        log.info("looking up the group %s failed: %s", target[:200], error.reason)
        raise _Failed(fetch_failure(error)) from None
    async with transaction(request) as session:
        return await _shown(session, viewer, actor, site.domain)


async def _shown(session: AsyncSession, viewer: Viewer, actor: Any, local_domain: str) -> str:
    if actor is None or actor.kind is not ActorKind.GROUP:
        raise _Failed("unknown")
    try:
        record = await loading.group_record(session, viewer, actor)
    except NotFound:
        raise _Failed("unknown") from None
    return group_path(actor_of(record), local_domain)


class _Failed(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


async def find(request: web.Request) -> web.Response:
    form = await read_form(request, ("ref",))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
    ref = form["ref"].strip()
    try:
        return redirect(await _find(request, viewer, ref))
    except _Failed as failure:
        async with transaction(request) as session:
            page = await frame(request, session, viewer)
        message = FAILURES[failure.kind](gettext_for(request, page.locale))
        context = {"form": {"ref": ref}, "errors": {"ref": message}}
        return render(request, page, "find_group.html", context, status=422)
