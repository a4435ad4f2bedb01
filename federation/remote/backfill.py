"""Reading a group elsewhere again in the background, and back-filling it once we join.

Design note. Joining a group on another node used to show an empty group: only
what the group announced from then on arrived. Now, when the group accepts one
of our members (``inbox.handlers.follows`` queues it with the ``Accept``, in the same
transaction: ``federation.remote.group_sync``), a worker reads the group again:

1. its actor (settings and rules, ``federation.remote.groups``);
2. its moderators (the ``moderators``/``attributedTo`` collection, at most
   ``MAX_MODERATORS`` actors, each fetched if unknown);
3. back-fill, only while a member of ours is still in it: its pins (the
   ``featured`` collection, at most ``MAX_PINS``) and its recent threads (the
   ``outbox``, Lemmy's ``Announce`` of ``Create`` of a ``Page``/``Note``; at most
   ``MAX_THREADS`` items on at most ``MAX_PAGES`` pages, ``federation.remote.collections``).

Steps 1 and 2 also run alone, when a look-up reads the group's actor again or the
group sends an ``Update`` of itself. Every fetch is the signed, guarded one of
``Federation.fetch`` (1 MiB per document), collections only from the group's
own server, and a run stops at ``BUDGET`` whatever it has left. Posts are
stored exactly as the group's ``Announce`` of them would be (``inbox.announces``),
with the same trust: an object from the group's own server as it serves it,
anyone else's fetched again from its origin, a private group's taken on the
group's word; a private group's content stays for its members here. Items
we hold already are left as they are (edits and deletions come as activities),
so a back-fill never brings back what was deleted. Replies come only where the
outbox carries them (Lemmy's and ours carry threads only); each thread's
``replies`` collection is not crawled. A run that cannot read the group (the
actor, or the first page of a collection: the node is down, say) is retried
with growing delays; a single post that cannot be had is skipped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.dispatch import process
from federation.inbox.prefetch import prefetch
from federation.inbox.prepared import Ignored
from federation.protocol.post_readings import POST_TYPES
from federation.protocol.vocab import Malformed, id_of, same_origin, type_of
from federation.remote import group_sync
from federation.remote.collections import walk
from federation.remote.groups import moderators_of, refresh_group
from federation.remote.http import FetchError, FetchErrorKind
from node import pins, remote_members
from node.actors import find_actor_by_uri
from node.errors import DomainError
from node.groups import remote_groups
from node.kinds import ActorKind

# Read-only look-ups (is this group, post or actor known?); node/federated writes.
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post

log = logging.getLogger("kinfolk.backfill")

BUDGET = 120.0  # seconds a run may take, all fetches included (well under the lease)
MAX_THREADS = 50  # outbox items read (the most recent first)
MAX_PAGES = 5  # outbox pages fetched
MAX_PINS = 10
MAX_MODERATORS = 25


async def sync_once(fed: Federation) -> int:
    """Run the group reading due first, if any; 1 if one ran, else 0."""
    async with fed.sessions.begin() as session:
        job = await group_sync.claim(session, now=fed.clock())
    if job is None:
        return 0
    error, retry = None, False
    try:
        async with asyncio.timeout(BUDGET):
            await _run(fed, job)
    except TimeoutError:
        error = f"stopped after {BUDGET:.0f} s; what was read by then is kept"
        log.info("reading group %s: %s", job.actor_id, error)
    except FetchError as exc:
        error, retry = exc.reason, True
        log.info("reading group %s failed, will retry: %s", job.actor_id, exc.reason)
    except (Malformed, DomainError) as exc:
        error = str(exc)
        log.info("reading group %s failed: %s", job.actor_id, exc)
    async with fed.sessions.begin() as session:
        await group_sync.finish(session, job, now=fed.clock(), error=error, retry=retry)
    return 1


async def _run(fed: Federation, job: group_sync.Claimed) -> None:
    async with fed.sessions() as session:
        actor = await session.get(Actor, job.actor_id)
    if actor is None or actor.local or actor.kind is not ActorKind.GROUP:
        return
    group_uri = actor.uri
    document = await fed.fetch(group_uri)
    if document.get("id") != group_uri:
        raise FetchError(
            f"{group_uri} describes {document.get('id')}", kind=FetchErrorKind.WRONG_ID
        )
    await refresh_group(fed, document)
    await _moderators(fed, group_uri, document)
    if job.backfill and await _has_reader(fed, group_uri):
        await _pins(fed, group_uri, document)
        await _threads(fed, group_uri, document)


async def _group(session: AsyncSession, group_uri: str) -> Group | None:
    return await session.scalar(
        select(Group).join(Actor, Actor.id == Group.actor_id).where(Actor.uri == group_uri)
    )


async def _has_reader(fed: Federation, group_uri: str) -> bool:
    """Back-fill only for a group a member of ours is (still) in."""
    async with fed.sessions() as session:
        group = await _group(session, group_uri)
        return group is not None and await remote_members.has_local_member(session, group)


async def _collection(fed: Federation, url: str | None, group_uri: str) -> dict[str, Any] | None:
    """A collection of the group, from its own server; None if it has none for us (a
    private group's, before its node lets us read it). Other failures are retried."""
    if url is None or not same_origin(url, group_uri):
        return None
    try:
        return await fed.fetch(url)
    except FetchError as exc:
        if exc.kind is FetchErrorKind.NOT_FOUND:
            log.info("%s: nothing for this node at %s", group_uri, url)
            return None
        raise


async def _moderators(fed: Federation, group_uri: str, document: dict[str, Any]) -> None:
    named = moderators_of(document)
    if isinstance(named, str):
        collection = await _collection(fed, named, group_uri)
        if collection is None:
            return
        walked = walk(
            fed.fetch, collection, origin=group_uri, max_pages=2, max_items=MAX_MODERATORS
        )
        named = [uri for uri in [id_of(item) async for item in walked] if uri]
    if named is None:
        return
    moderators = []
    for uri in list(dict.fromkeys(named))[:MAX_MODERATORS]:
        actor = await _actor(fed, uri)
        if actor is not None and actor.kind is ActorKind.PERSON:
            moderators.append(actor)
    async with fed.sessions.begin() as session:
        group = await _group(session, group_uri)
        if group is not None:
            await remote_groups.mirror_moderators(session, group, moderators)


async def _actor(fed: Federation, uri: str) -> Actor | None:
    async with fed.sessions() as session:
        known = await find_actor_by_uri(session, uri)
    if known is not None:
        return known
    try:
        return await fed.resolve_actor(uri)
    except FetchError as exc:
        log.info("moderator %s could not be fetched: %s", uri, exc.reason)
        return None


async def _pins(fed: Federation, group_uri: str, document: dict[str, Any]) -> None:
    collection = await _collection(fed, id_of(document.get("featured")), group_uri)
    if collection is None:
        return
    walked = walk(fed.fetch, collection, origin=group_uri, max_pages=1, max_items=MAX_PINS)
    pinned = [uri for uri in [await _store(fed, group_uri, item) async for item in walked] if uri]
    async with fed.sessions.begin() as session:
        group = await _group(session, group_uri)
        if group is None:
            return
        now = fed.clock()
        for rank, uri in enumerate(pinned):
            # In the collection's order: the first listed is shown first.
            at = now - timedelta(microseconds=rank)
            await pins.pinned_elsewhere(session, group, uri, pinned=True, now=at)


async def _threads(fed: Federation, group_uri: str, document: dict[str, Any]) -> None:
    collection = await _collection(fed, id_of(document.get("outbox")), group_uri)
    if collection is None:
        return
    walked = walk(
        fed.fetch, collection, origin=group_uri, max_pages=MAX_PAGES, max_items=MAX_THREADS
    )
    stored = 0
    async for item in walked:
        stored += await _store(fed, group_uri, item) is not None
    log.info("back-filled %s: %d posts", group_uri, stored)


def _kind(value: Any) -> str | None:
    try:
        return type_of(value) if isinstance(value, dict) else None
    except Malformed:
        return None


def _announced(item: Any, group_uri: str) -> dict[str, Any] | None:
    """An outbox or ``featured`` item as the group's ``Announce`` of a post: the group's own
    ``Announce`` of a ``Create``, or a ``Create`` or a post it serves bare (its server
    served it: the same word as an Announce). Anything else is not back-filled."""
    inner, announce_id = item, None
    if _kind(item) == "Announce":
        if id_of(item.get("actor")) != group_uri:
            return None
        inner, announce_id = item.get("object"), id_of(item)
    if _kind(inner) == "Create":
        created = inner.get("object")
        if not (isinstance(created, str) or _kind(created) in POST_TYPES):
            return None
    elif not (isinstance(inner, str) or _kind(inner) in POST_TYPES):
        return None
    return {
        "id": announce_id or f"{group_uri}#backfill",
        "type": "Announce",
        "actor": group_uri,
        "object": inner,
    }


def _post_uri(announce: dict[str, Any]) -> str | None:
    inner = announce["object"]
    if _kind(inner) == "Create":
        return id_of(inner.get("object"))
    return id_of(inner)


async def _known(fed: Federation, uri: str) -> bool:
    async with fed.sessions() as session:
        return await session.scalar(select(Post.id).where(Post.uri == uri)) is not None


async def _store(fed: Federation, group_uri: str, item: Any) -> str | None:
    """Store one item as its announcement would be; the post's URI if we hold it now."""
    announce = _announced(item, group_uri)
    uri = None if announce is None else _post_uri(announce)
    if announce is None or uri is None:
        return None
    if await _known(fed, uri):
        return uri  # edits and deletions arrive as activities; never brought back here
    try:
        prepared = await prefetch(fed, announce, signed=False)
        async with fed.sessions.begin() as session:
            await process(fed, session, prepared)
    except (Ignored, Malformed, DomainError, FetchError) as exc:
        reason = exc.reason if isinstance(exc, FetchError) else exc
        log.info("back-filling %s from %s: skipped: %s", uri, group_uri, reason)
        return None
    return uri if await _known(fed, uri) else None
