"""A block closes the conversation it stands between: the two members see it ended (or
the request declined), nothing more can be written, and talking again takes a request
the block refuses. Whether the block is made here, from a request, for a whole node, or
by someone elsewhere whose server tells us."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import conversations
from node.actors import upsert_remote_actor
from node.boundaries import blocking
from node.boundaries.settings import set_contact_policy
from node.conversations import ConversationClosed, NotAvailable
from node.kinds import ActorKind, ContactPolicy, ConversationState
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.conversations import Conversation
from node.views import Viewer
from tests.node.factories import Node

PAT = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _pat(session: AsyncSession, now: datetime) -> Actor:
    return await upsert_remote_actor(
        session,
        uri=PAT,
        kind=ActorKind.PERSON,
        handle="pat",
        domain="peer.example",
        display_name="Pat",
        summary="",
        now=now,
    )


async def _talking(node: Node, asker: Viewer, recipient: Viewer, *, accept: bool) -> int:
    """``asker`` asked ``recipient``, who lets anyone ask; accepted if ``accept``."""
    await node.run(lambda s: set_contact_policy(s, recipient, ContactPolicy.ANYONE))

    async def call(session: AsyncSession) -> int:
        asked = await conversations.ask(
            session,
            node.site,
            await session.get_one(Actor, asker.actor_id),
            await session.get_one(Actor, recipient.actor_id),
            "Could we talk?",
            node.now,
        )
        if accept:
            await conversations.accept(session, asked.id, recipient.actor_id, node.now)
        return asked.id

    return await node.run(call)


async def _state(node: Node, conversation_id: int) -> ConversationState:
    """The state both members' views show (``ConversationView.state``)."""
    return await node.run(
        lambda s: s.scalar(select(Conversation.state).where(Conversation.id == conversation_id))
    ) or pytest.fail("no such conversation")


async def _say(node: Node, conversation_id: int, author: Viewer) -> None:
    await node.run(
        lambda s: conversations.send_message(
            s, node.site, conversation_id, author.actor_id, "Are you there?", node.now
        )
    )


async def test_blocking_the_other_member_ends_the_conversation_for_both(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    talk = await _talking(node, ana, ben, accept=True)
    await _say(node, talk, ben)

    async def ben_blocks_ana(session: AsyncSession) -> None:
        await blocking.block(session, ben, await session.get_one(Actor, ana.actor_id), now=node.now)

    await node.run(ben_blocks_ana)
    assert await _state(node, talk) == ConversationState.ENDED
    for member in (ana, ben):
        with pytest.raises(ConversationClosed):
            await _say(node, talk, member)
    # Talking again takes a new request, which the block refuses.
    with pytest.raises(NotAvailable):
        await _talking(node, ana, ben, accept=False)


async def test_blocking_the_asker_of_a_waiting_request_declines_it(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    asked = await _talking(node, ana, ben, accept=False)

    async def ben_blocks_ana(session: AsyncSession) -> None:
        await blocking.block(session, ben, await session.get_one(Actor, ana.actor_id), now=node.now)

    await node.run(ben_blocks_ana)
    assert await _state(node, asked) == ConversationState.DECLINED
    waiting = await node.run(lambda s: conversations.requests_for(s, ben.actor_id))
    assert waiting.items == []


async def test_a_block_from_elsewhere_or_of_a_node_closes_conversations_there(
    node: Node,
) -> None:
    mo, lu = await node.member("mo"), await node.member("lu")
    await node.run(lambda s: set_contact_policy(s, mo, ContactPolicy.ANYONE))
    await node.run(lambda s: set_contact_policy(s, lu, ContactPolicy.ANYONE))

    async def pat_asks(member: Viewer) -> int:
        async def call(session: AsyncSession) -> int:
            pat = await _pat(session, node.now)
            asked = await conversations.ask(
                session,
                node.site,
                pat,
                await session.get_one(Actor, member.actor_id),
                "Hello from far away",
                node.now,
                uri=f"{PAT}/conversations/{member.actor_id}",
                request_uri=f"{PAT}/requests/{member.actor_id}",
                message_uri=f"{PAT}/messages/{member.actor_id}",
            )
            await conversations.accept(session, asked.id, member.actor_id, node.now)
            return asked.id

        return await node.run(call)

    with_mo, with_lu = await pat_asks(mo), await pat_asks(lu)

    async def pat_blocks_mo(session: AsyncSession) -> None:
        pat = await _pat(session, node.now)
        assert await blocking.blocked_by_remote(
            session, pat.id, mo.actor_id, activity_uri=f"{PAT}/blocks/1", now=node.now
        )

    await node.run(pat_blocks_mo)
    assert await _state(node, with_mo) == ConversationState.ENDED
    assert await _state(node, with_lu) == ConversationState.ACCEPTED

    await node.run(lambda s: blocking.block_node(s, node.site, lu, "peer.example", now=node.now))
    assert await _state(node, with_lu) == ConversationState.ENDED
    with pytest.raises(ConversationClosed):
        await _say(node, with_lu, lu)
