"""Key material of local actors: created on first use, kept in ``actor_keys``.

Every local actor has an RSA-2048 key (``#main-key``, the one Mastodon, Lemmy,
PieFed and Mbin understand) and an Ed25519 key (``#ed25519-key``, published as a
FEP-521a Multikey, used for RFC 9421 where a peer accepts it). Keys are made
lazily, the first time an actor is published or signs, so registering a member
stays fast; two requests racing to make them end with one pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.signing.keys import (
    PrivateKey,
    generate_ed25519_key,
    generate_rsa_key,
    load_private_key_pem,
    load_public_key_pem,
    private_key_to_pem,
    public_key_to_pem,
)
from federation.tables import ActorKey, KeyAlgorithm

# Read-only: an actor row names whose keys (federation's own table) to load or make.
from node.storage.models.actors import Actor

RSA_FRAGMENT = "#main-key"
ED25519_FRAGMENT = "#ed25519-key"


@dataclass(frozen=True)
class LocalKeys:
    """Both key pairs of one local actor."""

    rsa_key_id: str
    rsa: rsa.RSAPrivateKey
    ed25519_key_id: str
    ed25519: ed25519.Ed25519PrivateKey

    @property
    def rsa_public_pem(self) -> str:
        return public_key_to_pem(self.rsa.public_key())


@dataclass(frozen=True)
class PublicKeys:
    """Both public keys of one local actor, as its documents publish them."""

    rsa_key_id: str
    rsa_public_pem: str
    ed25519_key_id: str
    ed25519: ed25519.Ed25519PublicKey


async def local_keys(session: AsyncSession, actor: Actor, *, now: datetime) -> LocalKeys:
    """The actor's keys, generating and storing them if it has none yet."""
    rsa_row, ed_row = await _key_rows(session, actor, now)
    assert rsa_row.private_pem is not None
    assert ed_row.private_pem is not None
    rsa_key = load_private_key_pem(rsa_row.private_pem)
    ed_key = load_private_key_pem(ed_row.private_pem)
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    assert isinstance(ed_key, ed25519.Ed25519PrivateKey)
    return LocalKeys(rsa_row.key_uri, rsa_key, ed_row.key_uri, ed_key)


async def public_keys(session: AsyncSession, actor: Actor, *, now: datetime) -> PublicKeys:
    """The actor's public keys, generating the pairs if it has none yet. Publishing an
    actor (every fetch of its document) reads the stored public keys and never parses
    the private RSA key, which costs 30-45 ms each time."""
    rsa_row, ed_row = await _key_rows(session, actor, now)
    ed_key = load_public_key_pem(ed_row.public_pem)
    assert isinstance(ed_key, ed25519.Ed25519PublicKey)
    return PublicKeys(rsa_row.key_uri, rsa_row.public_pem, ed_row.key_uri, ed_key)


async def _key_rows(
    session: AsyncSession, actor: Actor, now: datetime
) -> tuple[ActorKey, ActorKey]:
    if not actor.local:
        raise ValueError(f"{actor.uri} is not a local actor; it has no private keys here")
    rows = await _rows(session, actor.id)
    if len(rows) < 2:
        await _generate(session, actor, rows, now)
        rows = await _rows(session, actor.id)
    return rows[KeyAlgorithm.RSA], rows[KeyAlgorithm.ED25519]


async def _rows(session: AsyncSession, actor_id: int) -> dict[KeyAlgorithm, ActorKey]:
    rows = await session.scalars(
        select(ActorKey).where(ActorKey.actor_id == actor_id, ActorKey.private_pem.is_not(None))
    )
    return {row.algorithm: row for row in rows}


async def _generate(
    session: AsyncSession, actor: Actor, existing: dict[KeyAlgorithm, ActorKey], now: datetime
) -> None:
    wanted: dict[KeyAlgorithm, tuple[str, Callable[[], PrivateKey]]] = {
        KeyAlgorithm.RSA: (RSA_FRAGMENT, generate_rsa_key),
        KeyAlgorithm.ED25519: (ED25519_FRAGMENT, generate_ed25519_key),
    }
    for algorithm, (fragment, generate) in wanted.items():
        if algorithm in existing:
            continue
        private = generate()
        row = ActorKey(
            actor_id=actor.id,
            key_uri=actor.uri + fragment,
            algorithm=algorithm,
            public_pem=public_key_to_pem(private.public_key()),
            private_pem=private_key_to_pem(private),
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            pass  # a concurrent request stored this actor's key first; we use that one
