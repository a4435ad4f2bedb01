"""Fetching what an activity refers to, before it is handled, outside any transaction.

Two phases per item, so no database lock is ever held across the network: first
``prefetch`` fetches and stores (each in its own short transaction) the actors and
groups the activity refers to that we do not know yet, and the posts a reply answers;
then its handler runs in one transaction that only reads and writes the database.
An ``Announce`` is unwrapped here first (``federation.inbox.announces``): what is
fetched is what its group vouches for. This phase reads the payload as sent, only to
know what to fetch; the handler gets the reading.

An account's ``Delete`` of itself that the inbox could not verify is believed here
only once its origin says so (``federation.inbox.account_deletion``).
"""

from __future__ import annotations

import logging
from typing import Any

from federation.context import Federation
from federation.inbox import announces, dispatch
from federation.inbox.account_deletion import gone_at_origin, is_account_delete
from federation.inbox.prepared import Ignored, Prepared
from federation.protocol.conversations import looks_direct
from federation.protocol.post_readings import POST_TYPES
from federation.protocol.vocab import Malformed, id_of, same_origin
from federation.remote.actors import account_deleted
from federation.remote.groups import remember_group
from federation.remote.http import FetchError
from node.errors import DomainError
from node.federated.actors import actor_named
from node.federated.incoming_posts import post_known

log = logging.getLogger("kinfolk.processing")

_ANCESTORS = 8  # posts above a reply fetched at most to place it in its thread


async def prefetch(fed: Federation, activity: dict[str, Any], *, signed: bool) -> Prepared:
    """Fetch and store what the activity refers to and we lack (outside any transaction);
    ``signed``: the inbox verified the actor's signature."""
    if activity.get("type") == "Announce":
        prepared, author_missing = await announces.unwrap(fed, activity)
        if author_missing:
            inner = prepared.activity
            await _ensure_actor(fed, inner["actor"])
            if inner.get("type") in {"Create", "Update"} and isinstance(inner.get("object"), dict):
                await _ensure_parent(fed, inner["object"])
        return prepared
    if is_account_delete(activity) and not signed:
        return Prepared(activity, vouched=await _vouched_for(fed, activity["actor"]))
    if activity.get("type") == "Delete":
        return Prepared(activity)  # only acts on what we hold; the sender is often gone
    if activity.get("type") == "Dislike":
        return Prepared(activity)  # refused by name; nothing to fetch for that
    await _ensure_actor(fed, activity["actor"])
    note = activity.get("object")
    # A direct note is a conversation's message: what it answers is ours, or not ours to
    # fetch (federation.inbox.handlers.conversations).
    if activity.get("type") in {"Create", "Update"} and isinstance(note, dict):
        if looks_direct(note):
            return Prepared(activity)
        await _ensure_group(fed, note)
        await _ensure_parent(fed, note)
    return Prepared(activity)


async def _known(fed: Federation, uri: str) -> bool:
    async with fed.sessions() as session:
        return await actor_named(session, uri) is not None


async def _ensure_actor(fed: Federation, uri: str) -> None:
    if not await _known(fed, uri):
        await fed.resolve_actor(uri)


async def _ensure_group(fed: Federation, note: dict[str, Any]) -> None:
    audience = id_of(note.get("audience"))
    if audience is None or await _known(fed, audience):
        return
    document = await fed.fetch(audience)
    if document.get("type") == "Group":
        await remember_group(fed, document)


async def _vouched_for(fed: Federation, uri: str) -> bool:
    """An account's Delete of itself that the inbox could not verify is believed once its
    origin says the account is gone; one we never knew is not even asked about."""
    async with fed.sessions() as session:
        if await actor_named(session, uri) is None:
            return False
        if await account_deleted(session, uri):
            return True  # a repeat, of what its origin confirmed already
    if not await gone_at_origin(fed, uri):
        raise Ignored(f"{uri} still exists at its origin; its unsigned Delete is not believed")
    return True


async def _post_known(fed: Federation, uri: str) -> bool:
    async with fed.sessions() as session:
        return await post_known(session, uri)


async def _ensure_parent(fed: Federation, note: dict[str, Any], depth: int = 0) -> None:
    """A reply can arrive before the post it answers (deliveries of different posts race,
    and one may be retried while the next goes through): fetch the missing ancestors
    from their origin and store them first, oldest first, each in its own transaction,
    so the reply joins its thread instead of standing alone. At most ``_ANCESTORS``
    deep; an ancestor that cannot be had leaves the reply where it would have been."""
    parent_uri = id_of(note.get("inReplyTo"))
    if parent_uri is None or same_origin(parent_uri, fed.site.base_url):
        return  # nothing to answer, or one of ours: we hold it (or it is gone)
    if depth >= _ANCESTORS or await _post_known(fed, parent_uri):
        return
    try:
        document = await fed.fetch(parent_uri)
        if document.get("type") not in POST_TYPES:
            return
        await _ensure_parent(fed, document, depth + 1)
        create = announces.as_create(document)
        await _ensure_actor(fed, create["actor"])
        await _ensure_group(fed, document)
        async with fed.sessions.begin() as session:
            await dispatch.process(fed, session, Prepared(create))
    except (FetchError, Ignored, Malformed, DomainError) as exc:
        reason = exc.reason if isinstance(exc, FetchError) else exc
        log.info("could not store %s, which %s answers: %s", parent_uri, note.get("id"), reason)
