"""Reading remote actor documents and keeping what we need of them.

Every shape in the interop fixtures is read: ``publicKey`` as an object or a
list, keys as PEM or as FEP-521a Multikeys in ``assertionMethod``, inboxes with
or without ``endpoints.sharedInbox``. Names and summaries are sanitised before
they are stored, as is everything that arrives from elsewhere.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.destinations import host_of as delivery_host
from federation.delivery.destinations import learn_standards
from federation.protocol.vocab import Malformed, as_list, host_of, id_of, require_uri, type_of
from federation.signing.capabilities import (
    holds_conversations,
    reads_care_reports,
    signature_standard_of,
)
from federation.signing.keys import (
    PublicKey,
    decode_multikey,
    load_public_key_pem,
    public_key_to_pem,
)
from federation.tables import ActorKey, KeyAlgorithm, RemoteActor
from node.actors import upsert_remote_actor
from node.content import sanitize_html
from node.kinds import ActorKind

# Read-only joins and the returned row; node.actors.upsert_remote_actor writes it.
from node.storage.models.actors import Actor

ACTOR_TYPES = {
    "Person": ActorKind.PERSON,
    "Service": ActorKind.PERSON,
    "Organization": ActorKind.PERSON,
    "Group": ActorKind.GROUP,
    "Application": ActorKind.APPLICATION,
}


@dataclass(frozen=True)
class RemoteKey:
    key_id: str
    owner: str
    key: PublicKey


@dataclass(frozen=True)
class ActorDocument:
    uri: str
    kind: ActorKind
    handle: str
    display_name: str
    summary: str
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    url: str | None
    keys: tuple[RemoteKey, ...]
    signature_standard: str | None = None  # the RFC 9421 form its server advertises
    care_reports: bool = False  # its server reads care reports (another Kinfolk node)
    conversations: bool = False  # its server holds conversations by consent (Kinfolk)

    @property
    def is_group(self) -> bool:
        return self.kind is ActorKind.GROUP


def _keys(document: dict[str, Any], uri: str) -> tuple[RemoteKey, ...]:
    keys: list[RemoteKey] = []
    for entry in as_list(document.get("publicKey")):
        if isinstance(entry, dict) and isinstance(entry.get("publicKeyPem"), str):
            key_id, owner = id_of(entry), id_of(entry.get("owner")) or uri
            try:
                if key_id and owner == uri:
                    keys.append(
                        RemoteKey(key_id, owner, load_public_key_pem(entry["publicKeyPem"]))
                    )
            except ValueError:
                continue  # an unusable key is skipped; a later one may serve
    for entry in as_list(document.get("assertionMethod")):
        if isinstance(entry, dict) and isinstance(entry.get("publicKeyMultibase"), str):
            key_id, owner = id_of(entry), id_of(entry.get("controller")) or uri
            try:
                if key_id and owner == uri:
                    keys.append(
                        RemoteKey(key_id, owner, decode_multikey(entry["publicKeyMultibase"]))
                    )
            except ValueError:
                continue
    return tuple(keys)


def parse_actor(document: dict[str, Any]) -> ActorDocument:
    """An actor document as we use it, or ``Malformed`` saying what is missing."""
    uri = require_uri(document.get("id"), "id")
    kind_name = type_of(document)
    if kind_name not in ACTOR_TYPES:
        raise Malformed(f"{kind_name} is not an actor type we federate with")
    handle = document.get("preferredUsername")
    if not isinstance(handle, str) or not handle.strip():
        raise Malformed("preferredUsername is missing")
    inbox = require_uri(document.get("inbox"), "inbox")
    endpoints = document.get("endpoints")
    shared = id_of(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else None
    name = document.get("name")
    summary = document.get("summary")
    return ActorDocument(
        uri=uri,
        kind=ACTOR_TYPES[kind_name],
        handle=handle.strip()[:255],
        display_name=html.unescape(name.strip())[:255] if isinstance(name, str) else "",
        summary=sanitize_html(summary) if isinstance(summary, str) else "",
        inbox=inbox,
        shared_inbox=shared if shared and host_of(shared) == host_of(uri) else None,
        outbox=id_of(document.get("outbox")),
        followers=id_of(document.get("followers")),
        url=id_of(document.get("url")),
        keys=_keys(document, uri),
        signature_standard=signature_standard_of(document),
        care_reports=reads_care_reports(document),
        conversations=holds_conversations(document),
    )


def _algorithm(key: PublicKey) -> KeyAlgorithm | None:
    if isinstance(key, rsa.RSAPublicKey):
        return KeyAlgorithm.RSA
    if isinstance(key, ed25519.Ed25519PublicKey):
        return KeyAlgorithm.ED25519
    return None


async def store_actor(session: AsyncSession, document: ActorDocument, *, now: datetime) -> Actor:
    """Create or refresh the actor, its endpoints and its public keys."""
    actor = await upsert_remote_actor(
        session,
        uri=document.uri,
        kind=document.kind,
        handle=document.handle,
        domain=host_of(document.uri),
        display_name=document.display_name,
        summary=document.summary,
        reads_care_reports=document.care_reports,
        now=now,
    )
    remote = await session.get(RemoteActor, actor.id)
    if remote is None:
        remote = RemoteActor(actor_id=actor.id, inbox=document.inbox, fetched_at=now)
        session.add(remote)
    remote.inbox = document.inbox
    remote.shared_inbox = document.shared_inbox
    remote.outbox = document.outbox
    remote.followers = document.followers
    remote.url = document.url
    remote.fetched_at = now
    remote.holds_conversations = document.conversations
    # Keys are replaced wholesale: a rotated key must stop verifying at once.
    await session.execute(delete(ActorKey).where(ActorKey.actor_id == actor.id))
    for key in document.keys:
        algorithm = _algorithm(key.key)
        if algorithm is None:
            continue
        session.add(
            ActorKey(
                actor_id=actor.id,
                key_uri=key.key_id,
                algorithm=algorithm,
                public_pem=public_key_to_pem(key.key),
                created_at=now,
            )
        )
    await session.flush()
    # What a server advertises is learnt for its own host only: an actor whose inbox
    # is elsewhere cannot speak for that other server.
    host = delivery_host(document.uri)
    if document.signature_standard is not None and delivery_host(document.inbox) == host:
        await learn_standards(session, {host: document.signature_standard})
    return actor


async def cached_key(session: AsyncSession, key_id: str) -> RemoteKey | None:
    row = (
        await session.execute(
            select(ActorKey, Actor)
            .join(Actor, ActorKey.actor_id == Actor.id)
            .where(ActorKey.key_uri == key_id)
        )
    ).first()
    if row is None:
        return None
    return RemoteKey(key_id, row[1].uri, load_public_key_pem(row[0].public_pem))


async def account_deleted(session: AsyncSession, uri: str) -> bool:
    """Whether the actor ``uri`` deleted its account (``federation.inbox.account_deletion``)."""
    deleted_at = await session.scalar(
        select(RemoteActor.deleted_at)
        .join(Actor, Actor.id == RemoteActor.actor_id)
        .where(Actor.uri == uri)
    )
    return deleted_at is not None
