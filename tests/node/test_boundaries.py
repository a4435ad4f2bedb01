"""A member's boundaries in the domain: who may ask them for a conversation under each
policy, blocks in either direction and of a whole node, and whom a viewer does not see."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.actors import upsert_remote_actor
from node.boundaries.checks import blocks, hidden_from, may_ask
from node.federation_policy import storage
from node.kinds import ActorKind, ContactPolicy
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Account
from node.storage.models.boundaries import ActorBlock, Mute, NodeBlock
from tests.node.factories import Node

FAR = "far.example"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _remote(node: Node, handle: str, domain: str = FAR) -> int:
    actor = await node.run(
        lambda s: upsert_remote_actor(
            s,
            uri=f"https://{domain}/users/{handle}",
            kind=ActorKind.PERSON,
            handle=handle,
            domain=domain,
            display_name="",
            summary="",
            now=node.now,
        )
    )
    return actor.id


async def _policy(node: Node, actor_id: int, policy: ContactPolicy) -> None:
    await node.run(
        lambda s: s.execute(
            update(Account).where(Account.actor_id == actor_id).values(contact_policy=policy)
        )
    )


async def _add(node: Node, row: ActorBlock | Mute | NodeBlock) -> None:
    async def add(session: AsyncSession) -> None:
        session.add(row)

    await node.run(add)


async def _may_ask(node: Node, recipient: int, asker: int) -> bool:
    return await node.run(lambda s: may_ask(s, recipient, asker))


async def _blocks(node: Node, owner: int, other: int) -> bool:
    return await node.run(lambda s: blocks(s, owner, other))


async def test_by_default_only_people_who_share_a_group_may_ask(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    far = await _remote(node, "dee")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")

    async def asks(asker: int) -> bool:
        return await node.run(lambda s: may_ask(s, ana.actor_id, asker))

    assert await asks(ben.actor_id)
    assert not await asks(cat.actor_id)
    assert not await asks(far)
    # Nobody asks themselves.
    assert not await asks(ana.actor_id)


async def test_each_policy_widens_or_closes_who_may_ask(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    far, near = await _remote(node, "dee"), await _remote(node, "eve", "near.example")
    await node.group(ana, "walkers")
    await node.join(ben, "walkers")
    # The admin trusts near.example (and so its subdomains), not far.example.
    await node.run(lambda s: storage.set_trusted(s, "near.example", True, now=node.now))
    expected = {
        ContactPolicy.NOBODY: (False, False, False, False),
        ContactPolicy.SHARED_GROUPS: (True, False, False, False),
        ContactPolicy.THIS_NODE: (True, True, False, False),
        ContactPolicy.TRUSTED_NODES: (True, True, False, True),
        ContactPolicy.ANYONE: (True, True, True, True),
    }
    askers = (ben.actor_id, cat.actor_id, far, near)
    for policy, answers in expected.items():
        await _policy(node, ana.actor_id, policy)
        got = [await _may_ask(node, ana.actor_id, asker) for asker in askers]
        assert tuple(got) == answers, policy
    # A trusted node the admin also suspends is trusted no more.
    await _policy(node, ana.actor_id, ContactPolicy.TRUSTED_NODES)
    await node.run(lambda s: storage.set_rule(s, "near.example", "suspend", now=node.now))
    assert not await _may_ask(node, ana.actor_id, near)


async def test_only_a_local_member_can_be_asked(node: Node) -> None:
    ana = await node.member("ana")
    far = await _remote(node, "dee")
    assert not await node.run(lambda s: may_ask(s, far, ana.actor_id))


async def test_a_block_either_way_refuses_whatever_the_policy(node: Node) -> None:
    ana, ben, cat = await node.member("ana"), await node.member("ben"), await node.member("cat")
    far = await _remote(node, "dee")
    for member in (ana, ben):
        await _policy(node, member.actor_id, ContactPolicy.ANYONE)
    await _add(node, ActorBlock(owner_id=ana.actor_id, actor_id=ben.actor_id, created_at=node.now))
    # A remote person blocked ben (their server told us): ben may not ask them, nor they ben.
    await _add(node, ActorBlock(owner_id=far, actor_id=ben.actor_id, created_at=node.now))

    assert await node.run(lambda s: blocks(s, ana.actor_id, ben.actor_id))
    assert not await node.run(lambda s: blocks(s, ben.actor_id, ana.actor_id))
    assert not await node.run(lambda s: may_ask(s, ana.actor_id, ben.actor_id))
    assert not await node.run(lambda s: may_ask(s, ben.actor_id, ana.actor_id))
    assert not await node.run(lambda s: may_ask(s, ben.actor_id, far))
    # Nobody else is touched by it.
    assert await node.run(lambda s: may_ask(s, ana.actor_id, cat.actor_id))
    assert await node.run(lambda s: may_ask(s, ana.actor_id, far))


async def test_a_node_block_refuses_everyone_there_and_only_there(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    dee, eve = await _remote(node, "dee"), await _remote(node, "eve")
    elsewhere = await _remote(node, "fay", "near.example")
    for member in (ana, ben):
        await _policy(node, member.actor_id, ContactPolicy.ANYONE)
    await _add(node, NodeBlock(owner_id=ana.actor_id, domain=FAR, created_at=node.now))

    for far in (dee, eve):
        assert await _blocks(node, ana.actor_id, far)
        assert not await _may_ask(node, ana.actor_id, far)
        # It is ana's block, not ben's.
        assert await _may_ask(node, ben.actor_id, far)
    assert await node.run(lambda s: may_ask(s, ana.actor_id, elsewhere))


async def test_a_viewer_does_not_see_whom_they_muted_or_blocked(node: Node) -> None:
    ana, ben, cat, dan = (
        await node.member("ana"),
        await node.member("ben"),
        await node.member("cat"),
        await node.member("dan"),
    )
    dee, near = await _remote(node, "dee"), await _remote(node, "fay", "near.example")
    await _add(node, Mute(owner_id=ana.actor_id, actor_id=ben.actor_id, created_at=node.now))
    await _add(node, ActorBlock(owner_id=ana.actor_id, actor_id=cat.actor_id, created_at=node.now))
    await _add(node, NodeBlock(owner_id=ana.actor_id, domain=FAR, created_at=node.now))
    await _add(node, Mute(owner_id=dan.actor_id, actor_id=ana.actor_id, created_at=node.now))

    assert await node.run(lambda s: hidden_from(s, ana.actor_id)) == {
        ben.actor_id,
        cat.actor_id,
        dee,
    }
    assert near not in await node.run(lambda s: hidden_from(s, ana.actor_id))
    # A mute hides; it does not block.
    assert not await node.run(lambda s: blocks(s, ana.actor_id, ben.actor_id))
    assert await node.run(lambda s: hidden_from(s, ben.actor_id)) == frozenset()


async def test_the_database_refuses_a_policy_that_is_not_one(node: Node) -> None:
    """0023 adds the column with its CHECK on both backends (on SQLite inline, which the
    schema comparison cannot see)."""
    ana = await node.member("ana")
    statement = text("UPDATE accounts SET contact_policy = :policy WHERE actor_id = :actor")
    await node.run(lambda s: s.execute(statement, {"policy": "anyone", "actor": ana.actor_id}))
    trusted = {"policy": "trusted_nodes", "actor": ana.actor_id}  # 0035 widens it by one
    await node.run(lambda s: s.execute(statement, trusted))
    with pytest.raises(IntegrityError):
        await node.run(
            lambda s: s.execute(statement, {"policy": "everyone", "actor": ana.actor_id})
        )
