"""ActivityPub's read side over HTTP: discovery, actors, collections, objects.

Every actor and object URL answers AS2 JSON to clients that ask for it
(``application/activity+json`` or ``application/ld+json; profile=…``) and HTML
to browsers. Facts come from node services; shapes from ``federation``.
"""

from __future__ import annotations

import html

from aiohttp import web

from federation import discovery, urls
from federation.documents import (
    PublishedKeys,
    application_document,
    collection_count,
    group_document,
    person_document,
)
from federation.inbox import InboxRefusal, verify_fetch
from federation.instance import instance_actor
from federation.keystore import local_keys
from federation.objects import object_from_post
from federation.vocab import ACTIVITY_JSON, ACTIVITY_MEDIA_TYPES
from node import accounts, follows, groups, posts
from node.actors import actor_ref, find_actor, find_local_actor_by_uri
from node.errors import NotFound
from node.stats import node_stats
from node.storage.models import ActorKind
from web.html import simple_page
from web.inbox import incoming_from
from web.keys import CLOCK, FEDERATION, SESSIONS, SETTINGS, SITE
from web.problems import Problem


def wants_activity_json(request: web.Request) -> bool:
    for part in request.headers.get("Accept", "").split(","):
        media_type = part.split(";", 1)[0].strip().lower()
        if media_type in ACTIVITY_MEDIA_TYPES:
            return True
    return False


async def require_signed_fetch(request: web.Request) -> None:
    """With authorized fetch on, AS2 documents are only served to signed requests."""
    if not request.app[SETTINGS].authorized_fetch or not wants_activity_json(request):
        return
    try:
        await verify_fetch(request.app[FEDERATION], incoming_from(request, b""))
    except InboxRefusal as refusal:
        raise Problem(refusal.status, refusal.code, refusal.detail) from None


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
    usage = discovery.Usage(
        users=stats.members,
        active_month=stats.active_month,
        active_halfyear=stats.active_halfyear,
        local_posts=stats.local_posts,
    )
    document = discovery.nodeinfo_document(settings.node_name, settings.registrations_open, usage)
    response = web.json_response(document)
    response.headers["Content-Type"] = f'application/json; profile="{discovery.NODEINFO_SCHEMA}#"'
    return response


async def member(request: web.Request) -> web.Response:
    await require_signed_fetch(request)
    site, now = request.app[SITE], request.app[CLOCK]()
    async with request.app[SESSIONS].begin() as session:
        profile = await accounts.get_profile(session, request.match_info["name"], site.domain)
        if not wants_activity_json(request):
            return simple_page(
                profile.actor.display_name, f"<p>@{html.escape(profile.actor.acct)}</p>"
            )
        actor = await find_actor(session, profile.actor.handle, site.domain, ActorKind.PERSON)
        keys = PublishedKeys.of(await local_keys(session, actor, now=now))
    return activity_json(person_document(profile, keys, site.base_url))


async def group(request: web.Request) -> web.Response:
    await require_signed_fetch(request)
    site, now = request.app[SITE], request.app[CLOCK]()
    async with request.app[SESSIONS].begin() as session:
        record = await groups.load_group(session, site, None, request.match_info["name"])
        view = await groups.view_of(session, record)
        if not wants_activity_json(request):
            return simple_page(view.actor.display_name, f"<p>!{html.escape(view.actor.acct)}</p>")
        keys = PublishedKeys.of(await local_keys(session, record.actor, now=now))
    return activity_json(group_document(view, keys, site.base_url))


async def instance(request: web.Request) -> web.Response:
    site, now = request.app[SITE], request.app[CLOCK]()
    async with request.app[SESSIONS].begin() as session:
        actor = await instance_actor(session, site, now=now)
        keys = PublishedKeys.of(await local_keys(session, actor, now=now))
        document = application_document(actor_ref(actor), keys, site.base_url)
    return activity_json(document)


async def collection(request: web.Request) -> web.Response:
    """Followers, following and outbox of a local actor, published as counts only."""
    await require_signed_fetch(request)
    site = request.app[SITE]
    kind = ActorKind.GROUP if request.match_info["kind"] == "groups" else ActorKind.PERSON
    which = request.match_info["collection"]
    async with request.app[SESSIONS]() as session:
        actor = await find_actor(session, request.match_info["name"], site.domain, kind)
        if kind is ActorKind.GROUP:
            record = await groups.load_group(session, site, None, actor.handle)
            total = await groups.member_count(session, record.group) if which == "followers" else 0
        elif which == "followers":
            total = await follows.followers_count(session, actor.id)
        elif which == "following":
            total = await follows.following_count(session, actor.id)
        else:
            total = 0  # we publish no outbox items: activities are delivered, not archived
    uri = {"followers": urls.followers, "following": urls.following, "outbox": urls.outbox}[which]
    return activity_json(collection_count(uri(actor.uri), total))


async def post_object(request: web.Request) -> web.Response:
    await require_signed_fetch(request)
    async with request.app[SESSIONS]() as session:
        view = await posts.get_post(session, None, request.match_info["id"])
    if not wants_activity_json(request):
        title = view.title or f"A post in {view.group.display_name}"
        return simple_page(title, view.content_html)
    return activity_json(object_from_post(view))


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
    app.router.add_get("/posts/{id}", post_object)
