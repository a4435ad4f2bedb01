"""What a valid signed request teaches about its host: it is up, and how it signs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.inbox.receive import Incoming, receive
from federation.remote.actors import ActorDocument, RemoteKey, store_actor
from federation.runtime import federation_runtime
from federation.signing import rfc9421, signatures
from federation.signing.keys import PrivateKey, generate_ed25519_key, generate_rsa_key
from federation.tables import Destination
from node.kinds import ActorKind
from web.config import Settings

PEER = "https://peer.example:443/users/pat"  # a default port spelled out, as some servers do


NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


async def _peer_keys(
    sessions: async_sessionmaker[AsyncSession],
) -> tuple[RSAPrivateKey, Ed25519PrivateKey]:
    key, ed_key = generate_rsa_key(), generate_ed25519_key()
    async with sessions.begin() as session:
        document = ActorDocument(
            uri=PEER,
            kind=ActorKind.PERSON,
            handle="pat",
            display_name="",
            summary="",
            inbox=f"{PEER}/inbox",
            shared_inbox=None,
            outbox=None,
            followers=None,
            url=None,
            keys=(
                RemoteKey(f"{PEER}#main-key", PEER, key.public_key()),
                RemoteKey(f"{PEER}#ed25519-key", PEER, ed_key.public_key()),
            ),
        )
        await store_actor(session, document, now=NOW)
    return key, ed_key


def _like(n: int) -> bytes:
    return json.dumps(
        {
            "id": f"{PEER}/activities/{n}",
            "type": "Like",
            "actor": PEER,
            "object": "https://elsewhere.example/notes/1",
        }
    ).encode()


async def test_a_request_signed_with_rfc9421_marks_its_host_as_accepting_it(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    key, ed_key = await _peer_keys(sessions)
    inbox = f"{settings.base_url}/inbox"
    steps: list[tuple[Callable[..., dict[str, str]], str, PrivateKey, str | None]] = [
        (signatures.sign_request, "main-key", key, None),
        (rfc9421.sign_request, "main-key", key, "rfc9421"),
        (rfc9421.sign_request, "ed25519-key", ed_key, "ed25519"),
        (rfc9421.sign_request, "main-key", key, "ed25519"),  # RSA again does not lower it
    ]
    async with federation_runtime(settings, sessions, lambda: NOW) as runtime:
        for n, (sign, key_name, private_key, expected) in enumerate(steps):
            body = _like(n)
            headers = sign(
                "POST",
                inbox,
                {"Content-Type": "application/activity+json"},
                body,
                key_id=f"{PEER}#{key_name}",
                private_key=private_key,
                now=NOW,
            )
            await receive(
                runtime.federation,
                Incoming("POST", inbox, headers, body, "application/activity+json"),
            )
            async with sessions() as session:
                destination = await session.get(Destination, "peer.example")
            learnt = None if destination is None else destination.signature_standard
            assert learnt == expected, (n, key_name)


async def test_a_signed_request_revives_its_host_even_with_a_default_port(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = NOW
    key = generate_rsa_key()
    async with sessions.begin() as session:
        document = ActorDocument(
            uri=PEER,
            kind=ActorKind.PERSON,
            handle="pat",
            display_name="",
            summary="",
            inbox=f"{PEER}/inbox",
            shared_inbox=None,
            outbox=None,
            followers=None,
            url=None,
            keys=(RemoteKey(f"{PEER}#main-key", PEER, key.public_key()),),
        )
        await store_actor(session, document, now=now)
        session.add(
            Destination(
                host="peer.example",
                consecutive_failures=9,
                failing_since=now - timedelta(days=8),
                backoff_until=now + timedelta(hours=1),
                unreachable_since=now - timedelta(days=1),
            )
        )
    body = json.dumps(
        {
            "id": f"{PEER}/activities/1",
            "type": "Like",
            "actor": PEER,
            "object": "https://elsewhere.example/notes/1",
        }
    ).encode()
    inbox = f"{settings.base_url}/inbox"
    headers = signatures.sign_request(
        "POST",
        inbox,
        {"Content-Type": "application/activity+json"},
        body,
        key_id=f"{PEER}#main-key",
        private_key=key,
        now=now,
    )
    async with federation_runtime(settings, sessions, lambda: now) as runtime:
        await receive(
            runtime.federation, Incoming("POST", inbox, headers, body, "application/activity+json")
        )
    async with sessions() as session:
        destination = await session.get_one(Destination, "peer.example")
    assert destination.unreachable_since is None
    assert destination.consecutive_failures == 0
    assert destination.backoff_until is None
