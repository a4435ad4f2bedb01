"""A person's block across servers: Mastodon's captured ``Block`` of one of our members
and its ``Undo`` are kept and lifted here; a group's ban (with ``target``) still goes
the group's way; our member's block of someone elsewhere goes out as a ``Block`` to
that person's inbox, and its lifting as the ``Undo`` of that Block."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.dispatch import process
from federation.inbox.prepared import Ignored, Prepared
from federation.outbox.dispatch import dispatch_once
from federation.tables import Delivery, OutgoingActivity, RemoteActor
from node.actors import upsert_remote_actor
from node.boundaries import blocking
from node.boundaries.checks import blocks
from node.kinds import ActorKind
from node.storage.models.actors import Actor
from node.storage.models.boundaries import ActorBlock
from tests.node.factories import Node
from tests.shared_fixtures import SHARED_FIXTURES

PLEROMA = SHARED_FIXTURES / "activitypub-extra/pleroma-social+pleroma/test/fixtures"
ADMIN = "http://mastodon.example.org/users/admin"


def captured(name: str, member_uri: str) -> dict[str, Any]:
    """Mastodon's Block (or its Undo), as Pleroma captured it, naming our member."""
    document: dict[str, Any] = json.loads((PLEROMA / name).read_text(encoding="utf-8"))
    document.pop("signature", None)
    inner = document["object"] if isinstance(document["object"], dict) else document
    inner["object"] = member_uri
    return document


async def _admin(node: Node) -> Actor:
    return await node.run(
        lambda s: upsert_remote_actor(
            s,
            uri=ADMIN,
            kind=ActorKind.PERSON,
            handle="admin",
            domain="mastodon.example.org",
            display_name="",
            summary="",
            now=node.now,
        )
    )


async def _process(fed: Federation, activity: dict[str, Any], via: str | None = None) -> None:
    async with fed.sessions.begin() as session:
        await process(fed, session, Prepared(activity, via=via))


async def test_a_mastodon_users_block_of_our_member_is_kept_and_its_undo_lifts_it(
    node: Node, fed: Federation
) -> None:
    ana = await node.member("ana")
    admin = await _admin(node)
    async with node.sessions() as session:
        ana_uri = (await session.get_one(Actor, ana.actor_id)).uri

    await _process(fed, captured("mastodon-block-activity.json", ana_uri))
    async with node.sessions() as session:
        row = await session.scalar(select(ActorBlock))
        assert row is not None
        assert (row.owner_id, row.actor_id) == (admin.id, ana.actor_id)
        assert row.activity_uri == "http://mastodon.example.org/users/admin#follows/2"
        assert await blocks(session, admin.id, ana.actor_id)

    await _process(fed, captured("mastodon-unblock-activity.json", ana_uri))
    async with node.sessions() as session:
        assert not await blocks(session, admin.id, ana.actor_id)
    with pytest.raises(Ignored, match="no block"):
        await _process(fed, captured("mastodon-unblock-activity.json", ana_uri))


async def test_a_block_naming_no_member_of_ours_or_passed_on_by_a_group_is_ignored(
    node: Node, fed: Federation
) -> None:
    await node.member("ana")
    await _admin(node)
    with pytest.raises(Ignored, match="not an actor on this node"):
        await _process(fed, captured("mastodon-block-activity.json", f"{ADMIN}x"))
    async with node.sessions() as session:
        ana_uri = await session.scalar(select(Actor.uri).where(Actor.handle == "ana"))
    assert ana_uri is not None
    # Through a group, it is a group's ban (and this group is not one we know).
    with pytest.raises(Ignored, match="bans reach us from the group"):
        await _process(
            fed, captured("mastodon-block-activity.json", ana_uri), via="https://x.example/c/g"
        )
    async with node.sessions() as session:
        assert await session.scalar(select(ActorBlock)) is None


async def _queued(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    async with node.sessions.begin() as session:
        await dispatch_once(session, node.site, now=node.now)
    found: list[tuple[dict[str, Any], list[str]]] = []
    async with node.sessions() as session:
        for outgoing in await session.scalars(
            select(OutgoingActivity).order_by(OutgoingActivity.id)
        ):
            statement = select(Delivery.inbox).where(Delivery.activity_id == outgoing.id)
            found.append((json.loads(outgoing.payload), list(await session.scalars(statement))))
    return found


async def test_our_members_block_goes_to_the_blocked_persons_inbox_and_so_does_its_undo(
    node: Node,
) -> None:
    ana = await node.member("ana")
    admin = await _admin(node)

    async def inbox(session: AsyncSession) -> None:
        session.add(RemoteActor(actor_id=admin.id, inbox=f"{ADMIN}/inbox", fetched_at=node.now))

    await node.run(inbox)
    await node.run(lambda s: blocking.block(s, ana, admin, now=node.now))
    [(sent, inboxes)] = await _queued(node)
    async with node.sessions() as session:
        ana_uri = (await session.get_one(Actor, ana.actor_id)).uri
    assert inboxes == [f"{ADMIN}/inbox"]
    assert {k: sent[k] for k in ("type", "actor", "object")} == {
        "type": "Block",
        "actor": ana_uri,
        "object": ADMIN,
    }
    assert "target" not in sent

    await node.run(lambda s: blocking.unblock(s, ana, admin, now=node.now))
    [_, (undo, inboxes)] = await _queued(node)
    assert inboxes == [f"{ADMIN}/inbox"]
    assert (undo["type"], undo["actor"]) == ("Undo", ana_uri)
    assert {k: undo["object"][k] for k in ("id", "type", "actor", "object")} == {
        "id": sent["id"],
        "type": "Block",
        "actor": ana_uri,
        "object": ADMIN,
    }
