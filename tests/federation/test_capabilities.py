"""FEP-844e: which RFC 9421 form a peer's actor says its server accepts, and what it teaches."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.remote.actors import ActorDocument, parse_actor, store_actor
from federation.signing.capabilities import (
    GENERATOR,
    RFC9421_ED25519_HREF,
    RFC9421_HREF,
    signature_standard_of,
)
from federation.tables import Destination
from node.kinds import ActorKind
from tests.shared_fixtures import SHARED_FIXTURES

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
FIXTURES = SHARED_FIXTURES / "activitypub"


def _fixture(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / relative).read_text("utf-8"))
    return document


def test_wordpress_advertises_rfc9421_with_rsa() -> None:
    assert parse_actor(_fixture("wordpress/objects/group.json")).signature_standard == "rfc9421"


def test_a_friendica_generator_without_implements_says_nothing() -> None:
    assert parse_actor(_fixture("friendica/objects/person_1.json")).signature_standard is None


def test_a_kinfolk_peer_reads_what_we_advertise_as_ed25519() -> None:
    assert signature_standard_of({"generator": GENERATOR}) == "ed25519"


@pytest.mark.parametrize(
    ("actor", "standard"),
    [
        ({"generator": {"type": "Application", "implements": {"href": RFC9421_HREF}}}, "rfc9421"),
        ({"type": "Application", "implements": [{"href": RFC9421_ED25519_HREF}]}, "ed25519"),
        ({"type": "Application", "implements": [RFC9421_HREF]}, "rfc9421"),
        ({"generator": "https://peer.example/actor"}, None),  # a link is not fetched
        ({"generator": {"implements": [{"href": "https://w3id.org/fep/1b12"}]}}, None),
        ({"generator": {"implements": [{"href": ["not", "a", "string"]}]}}, None),
        ({}, None),
    ],
)
def test_claims_are_read_where_servers_put_them(actor: dict[str, Any], standard: str) -> None:
    assert signature_standard_of(actor) == standard


async def test_storing_an_advertising_actor_teaches_its_inbox_host(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        session.add(Destination(host="peer.example", signature_standard="rfc9421"))
    document = ActorDocument(
        uri="https://peer.example/users/pat",
        kind=ActorKind.PERSON,
        handle="pat",
        display_name="",
        summary="",
        inbox="https://peer.example/users/pat/inbox",
        shared_inbox="https://peer.example:443/inbox",
        outbox=None,
        followers=None,
        url=None,
        keys=(),
        signature_standard="ed25519",
    )
    async with sessions.begin() as session:
        await store_actor(session, document, now=NOW)
    async with sessions() as session:
        destination = await session.get_one(Destination, "peer.example")
    assert destination.signature_standard == "ed25519"


async def test_an_actor_cannot_speak_for_another_servers_inbox(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    document = ActorDocument(
        uri="https://evil.example/users/eve",
        kind=ActorKind.PERSON,
        handle="eve",
        display_name="",
        summary="",
        inbox="https://victim.example/inbox",
        shared_inbox=None,
        outbox=None,
        followers=None,
        url=None,
        keys=(),
        signature_standard="ed25519",
    )
    async with sessions.begin() as session:
        await store_actor(session, document, now=NOW)
    async with sessions() as session:
        assert await session.get(Destination, "victim.example") is None
        assert await session.get(Destination, "evil.example") is None
