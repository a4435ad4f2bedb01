"""ActivityPub's read side over HTTP: discovery, actors, collections, objects.

Every actor and object URL answers AS2 JSON to clients that ask for it
(``application/activity+json`` or ``application/ld+json; profile=…``) and HTML
to browsers. Facts come from node services; shapes from ``federation``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from federation.inbox.handlers.group_answers import shared_while_queued
from federation.inbox.receive import InboxRefusal, verify_fetch
from federation.outbox.handlers.groups import group_actor
from federation.outbox.served import activity_for_node
from federation.protocol import discovery, urls
from federation.protocol.account_deletion import actor_tombstone
from federation.protocol.activities import tombstone
from federation.protocol.documents import (
    PublishedKeys,
    application_document,
    collection_count,
    group_key_document,
    ordered_collection,
    paged_collection,
    person_document,
)
from federation.protocol.events import EVENT_CONTEXT, event_of, event_uri
from federation.protocol.objects import announced_post, as_from_post, object_from_post
from federation.protocol.vocab import ACTIVITY_JSON, ACTIVITY_MEDIA_TYPES, host_of, with_context
from federation.signing.instance import instance_actor
from federation.signing.keystore import public_keys
from node import accounts, follows, pins
from node.actors import actor_ref, find_actor, find_local_actor_by_uri
from node.errors import Gone, NotFound
from node.federation_policy import storage
from node.federation_policy.decision import public_policy
from node.groups import loading, membership
from node.kinds import ActorKind, Visibility
from node.meetings.hosted import hosted_for_node
from node.posts import reading
from node.stats import node_stats
from node.storage.models.groups import Group
from node.suspensions import is_deleted
from web.inbox import incoming_from
from web.keys import CLOCK, FEDERATION, SESSIONS, SETTINGS, SITE
from web.pages import (
    browser_group_page,
    browser_meeting_page,
    browser_profile_page,
    browser_thread_page,
)
from web.problems import Problem


def wants_activity_json(request: web.Request) -> bool:
    for part in request.headers.get("Accept", "").split(","):
        media_type = part.split(";", 1)[0].strip().lower()
        if media_type in ACTIVITY_MEDIA_TYPES:
            return True
    return False


T = TypeVar("T")
_SIGNER = web.RequestKey("signer", str)


async def _verified_signer(request: web.Request) -> str:
    """The actor whose key signed this GET (a missing or bad signature is a 401)."""
    if _SIGNER not in request:
        try:
            owner = await verify_fetch(request.app[FEDERATION], incoming_from(request, b""))
        except InboxRefusal as refusal:
            raise Problem(refusal.status, refusal.code, refusal.detail) from None
        request[_SIGNER] = owner
    return request[_SIGNER]


async def require_signed_fetch(request: web.Request) -> None:
    """With authorized fetch on, AS2 documents are only served to signed requests."""
    if request.app[SETTINGS].authorized_fetch and wants_activity_json(request):
        await _verified_signer(request)


def _is_signed(request: web.Request) -> bool:
    return "Signature" in request.headers or "Signature-Input" in request.headers


async def as_node(request: web.Request, read: Callable[[str | None], Awaitable[T]]) -> T:
    """``read`` as the node that signed the request may see it (``None``: unsigned).

    A private group's documents exist only for nodes it federates with (see
    ``node.groups.loading.readable_by_node``). ``read`` runs as an unsigned request first,
    so public documents never pay for verifying a signature; only when that finds
    nothing and the request is signed is the signature checked and ``read`` retried.
    """
    signer = request.get(_SIGNER)
    try:
        return await read(None if signer is None else host_of(signer))
    except NotFound:
        if signer is not None or not _is_signed(request):
            raise
    return await read(host_of(await _verified_signer(request)))


def activity_json(document: object, *, status: int = 200) -> web.Response:
    response = web.json_response(document, status=status, content_type=ACTIVITY_JSON)
    response.headers["Vary"] = "Accept"
    return response


async def webfinger(request: web.Request) -> web.Response:
    site = request.app[SITE]
    resource = request.query.get("resource", "")
    target = discovery.parse_resource(resource, site.domain)
    if target is None:
        raise Problem(400, "bad_resource", "give ?resource=acct:name@domain or an actor URI")
    async with request.app[SESSIONS]() as session:
        if isinstance(target, str):
            actor = await find_local_actor_by_uri(session, target)
        else:
            name, domain = target
            if domain != site.domain:
                raise NotFound(f"{domain} is not this node ({site.domain})")
            actor = await find_actor(session, name, domain)
        if await is_deleted(session, actor):  # 410, as the actor itself answers
            raise Gone(f"@{actor.handle} deleted their account")
        document = discovery.webfinger_document(actor_ref(actor))
    return web.json_response(document, content_type="application/jrd+json")


async def host_meta(request: web.Request) -> web.Response:
    xml = discovery.host_meta_xml(request.app[SITE].base_url)
    return web.Response(text=xml, content_type="application/xrd+xml")


async def nodeinfo_links(request: web.Request) -> web.Response:
    return web.json_response(discovery.nodeinfo_links(request.app[SITE].base_url))


async def nodeinfo(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        stats = await node_stats(session, now=request.app[CLOCK]())
        publish = await storage.get_publish(session)
    usage = discovery.Usage(
        users=stats.members,
        active_month=stats.active_month,
        active_halfyear=stats.active_halfyear,
        local_posts=stats.local_posts,
    )
    # The policy as the running node holds it (at most a few seconds old): 10,000 rules
    # are not read again for every crawler.
    policy = public_policy(await request.app[FEDERATION].policy.current()) if publish else None
    document = discovery.nodeinfo_document(
        settings.node_name, settings.registrations_open, usage, policy=policy
    )
    response = web.json_response(document)
    response.headers["Content-Type"] = f'application/json; profile="{discovery.NODEINFO_SCHEMA}#"'
    return response


async def member(request: web.Request) -> web.Response:
    await require_signed_fetch(request)
    if not wants_activity_json(request):
        return await browser_profile_page(request)  # the member's profile page
    site, now = request.app[SITE], request.app[CLOCK]()
    async with request.app[SESSIONS].begin() as session:
        try:
            profile = await accounts.get_profile(session, request.match_info["name"], site.domain)
        except Gone:
            # Its Delete went out signed with the key receivers hold; nothing more to fetch.
            gone = await find_actor(session, request.match_info["name"], site.domain)
            return activity_json(with_context(actor_tombstone(gone.uri)), status=410)
        actor = await find_actor(session, profile.actor.handle, site.domain, ActorKind.PERSON)
        keys = PublishedKeys.of(await public_keys(session, actor, now=now))
    return activity_json(person_document(profile, keys, site.base_url))


async def group(request: web.Request) -> web.Response:
    await require_signed_fetch(request)
    site, now, name = request.app[SITE], request.app[CLOCK](), request.match_info["name"]
    if not wants_activity_json(request):
        return await browser_group_page(request)  # the group's page, in the pages' framework

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS].begin() as session:
            record = await loading.group_for_node(session, site, name, domain)
            return await group_actor(session, site, record, now=now, domain=domain)

    try:
        return activity_json(await as_node(request, read))
    except NotFound:
        if _is_signed(request):
            raise
    # A private group, unsigned: its keys only, for servers that fetch keys unsigned.
    async with request.app[SESSIONS].begin() as session:
        actor = await find_actor(session, name, site.domain, ActorKind.GROUP)
        keys = PublishedKeys.of(await public_keys(session, actor, now=now))
    return activity_json(group_key_document(actor_ref(actor), keys, site.base_url))


async def instance(request: web.Request) -> web.Response:
    site, now = request.app[SITE], request.app[CLOCK]()
    async with request.app[SESSIONS].begin() as session:
        actor = await instance_actor(session, site, now=now)
        keys = PublishedKeys.of(await public_keys(session, actor, now=now))
        document = application_document(actor_ref(actor), keys, site.base_url)
    return activity_json(document)


async def collection(request: web.Request) -> web.Response:
    """Followers, following and outbox of a local actor, published as counts only (but a
    public group's outbox: ``group_outbox``)."""
    await require_signed_fetch(request)
    site = request.app[SITE]
    kind = ActorKind.GROUP if request.match_info["kind"] == "groups" else ActorKind.PERSON
    which = request.match_info["collection"]
    if kind is ActorKind.GROUP and which == "outbox":
        return await group_outbox(request)
    uri = {"followers": urls.followers, "following": urls.following, "outbox": urls.outbox}[which]

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS]() as session:
            actor = await find_actor(session, request.match_info["name"], site.domain, kind)
            if kind is ActorKind.GROUP:
                record = await loading.content_for_node(session, site, actor.handle, domain)
                followers = which == "followers"
                total = await membership.member_count(session, record.group) if followers else 0
            elif which == "followers":
                total = await follows.followers_count(session, actor.id)
            elif which == "following":
                total = await follows.following_count(session, actor.id)
            else:
                total = 0  # we publish no outbox items: activities are delivered, not archived
        return collection_count(uri(actor.uri), total)

    return activity_json(await as_node(request, read))


OUTBOX_THREADS = 50  # a group's outbox lists its most recent threads, no more
OUTBOX_PAGE = 20


def _page_number(request: web.Request) -> int | None:
    given = request.query.get("page")
    if given is None:
        return None
    if not given.isdigit() or not 1 <= int(given) <= OUTBOX_THREADS // OUTBOX_PAGE + 1:
        raise Problem(400, "bad_page", "page is a page number of this collection")
    return int(given)


async def group_outbox(request: web.Request) -> web.Response:
    """A public group's outbox: its most recent threads anyone may read, as the group's
    ``Announce`` of each ``Create``, so other nodes can back-fill the group when one of
    their members joins (Lemmy's outbox shape, also in pages). A private group's stays a
    count, for the nodes that may read its content: its past is not handed to a node for
    having a member (new members' nodes get its pins, and what is posted from then on)."""
    site, name, page = request.app[SITE], request.match_info["name"], _page_number(request)

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS]() as session:
            record = await loading.content_for_node(session, site, name, domain)
            uri = urls.outbox(record.actor.uri)
            if record.group.visibility is not Visibility.PUBLIC:
                return collection_count(uri, 0)
            # What an anonymous reader is shown, through the same listing: no held, removed
            # or deleted post, none by a suspended account or a domain hidden or limited.
            listed = await reading.list_threads(
                session, site, None, record.actor.handle, limit=OUTBOX_THREADS
            )
        items = [announced_post(p) for p in listed.items if not (p.deleted or p.held)]
        return paged_collection(uri, items, page_size=OUTBOX_PAGE, page=page)

    return activity_json(await as_node(request, read))


async def _group_collection(
    request: web.Request,
    uri_of: Callable[[str], str],
    items_of: Callable[[AsyncSession, Group], Awaitable[list[Any]]],
) -> web.Response:
    """A small collection of a group hosted here, published whole, to those who may read it."""
    await require_signed_fetch(request)
    site, name = request.app[SITE], request.match_info["name"]

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS]() as session:
            record = await loading.content_for_node(session, site, name, domain)
            items = await items_of(session, record.group)
        return ordered_collection(uri_of(record.actor.uri), items)

    return activity_json(await as_node(request, read))


async def _pinned_objects(session: AsyncSession, group: Group) -> list[Any]:
    return [as_from_post(post) for post in await pins.featured(session, group)]


async def _moderator_uris(session: AsyncSession, group: Group) -> list[Any]:
    """Who moderates a group, unless it keeps their names to itself: then no other node is
    told either, as nobody here who does not moderate it is (``hide_moderator_names``)."""
    if group.hide_moderator_names:
        return []
    return [actor.uri for actor in await membership.moderators(session, group)]


async def featured(request: web.Request) -> web.Response:
    """A group's pinned threads (its announcements), whole, as Lemmy and Mastodon read them."""
    return await _group_collection(request, urls.featured, _pinned_objects)


async def moderators(request: web.Request) -> web.Response:
    """Who moderates a group (Lemmy's ``attributedTo`` of a community)."""
    return await _group_collection(request, urls.moderators, _moderator_uris)


async def post_object(request: web.Request) -> web.Response:
    await require_signed_fetch(request)
    public_id = request.match_info["id"]
    if not wants_activity_json(request):
        return await browser_thread_page(request)  # the thread page, in the pages' framework

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS]() as session:
            return object_from_post(await reading.post_for_node(session, public_id, domain))

    try:
        return activity_json(await as_node(request, read))
    except NotFound:
        # Our member's post, shared by its group in an Announce we have not read yet?
        now = request.app[CLOCK]()
        base_url = request.app[SITE].base_url
        if not await shared_while_queued(request.app[SESSIONS], base_url, public_id, now=now):
            raise
    return activity_json(await as_node(request, read))


async def meeting_event(request: web.Request) -> web.Response:
    """A meeting of a group hosted here, as its ``Event`` (``federation.protocol.events``),
    to those who may read the group's posts: a private group's only to signed fetches
    from nodes with members. Never with a place or link kept for attendees; a cancelled
    meeting is a ``Tombstone``."""
    await require_signed_fetch(request)
    if not wants_activity_json(request):
        return await browser_meeting_page(request)  # the meeting page, in the pages' framework
    site, now = request.app[SITE], request.app[CLOCK]()

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS]() as session:
            meeting = await hosted_for_node(session, request.match_info["id"], domain, now)
        if meeting.view.cancelled:
            return tombstone(event_uri(site.base_url, meeting.view.public_id))
        return event_of(meeting, site.base_url)

    document = await as_node(request, read)
    status = 410 if document.get("type") == "Tombstone" else 200
    return activity_json(with_context(document, context=EVENT_CONTEXT), status=status)


async def activity(request: web.Request) -> web.Response:
    """One of our activities (``federation.outbox.served`` says which, to whom). There
    is no page for it: every request is answered as ActivityPub, so authorized fetch
    applies whatever the ``Accept`` header says."""
    if request.app[SETTINGS].authorized_fetch:
        await _verified_signer(request)
    site = request.app[SITE]
    uri = urls.activity(site.base_url, request.match_info["id"])

    async def read(domain: str | None) -> dict[str, object]:
        async with request.app[SESSIONS]() as session:
            return await activity_for_node(session, uri, domain)

    return activity_json(await as_node(request, read))


def add_activitypub_routes(app: web.Application) -> None:
    app.router.add_get("/.well-known/webfinger", webfinger)
    app.router.add_get("/.well-known/host-meta", host_meta)
    app.router.add_get("/.well-known/nodeinfo", nodeinfo_links)
    app.router.add_get("/nodeinfo/2.1", nodeinfo)
    app.router.add_get("/actor", instance)
    app.router.add_get("/members/{name}", member)
    app.router.add_get("/groups/{name}", group)
    app.router.add_get(
        r"/{kind:members|groups}/{name}/{collection:followers|following|outbox}", collection
    )
    app.router.add_get("/groups/{name}/featured", featured)
    app.router.add_get("/groups/{name}/moderators", moderators)
    app.router.add_get("/posts/{id}", post_object)
    app.router.add_get("/activities/{id}", activity)
    app.router.add_get("/meetings/{id}", meeting_event)
