"""A group hosted here, as members of other nodes meet it: joining, writing, leaving."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import remote_members
from node.actors import upsert_remote_actor
from node.errors import PermissionDenied
from node.events import EventKind
from node.federation_policy import storage
from node.kinds import ActorKind, JoinPolicy, MembershipState
from node.passwords import Passwords
from node.posts import remote_posts
from node.remote_members import TRUSTED_NODES_ONLY
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from tests.node.factories import Node

PEER = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _pat(session: AsyncSession, now: datetime) -> Actor:
    return await upsert_remote_actor(
        session,
        uri=PEER,
        kind=ActorKind.PERSON,
        handle="pat",
        domain="peer.example",
        display_name="Pat",
        summary="",
        now=now,
    )


async def _group(session: AsyncSession, handle: str) -> tuple[Actor, Group]:
    actor = await session.scalar(select(Actor).where(Actor.handle_key == handle, Actor.local))
    assert actor is not None
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    assert group is not None
    return actor, group


async def _write(session: AsyncSession, group: Group, author: Actor, now: datetime) -> Post:
    return await remote_posts.store_remote_post(
        session,
        uri=f"{PEER}/notes/1",
        author=author,
        group=group,
        in_reply_to_uri=None,
        title="Hello",
        content_html="<p>hi</p>",
        content_warning="",
        language="en",
        published_at=now,
        edited_at=None,
        activity_uri=f"{PEER}/activities/1",
        now=now,
    )


async def _events(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(Event.kind).order_by(Event.id)))


async def test_an_outsider_cannot_write_into_a_group_hosted_here(node: Node) -> None:
    await node.group(await node.member("mo"), "circle")
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        _, group = await _group(session, "circle")
        with pytest.raises(PermissionDenied, match="not a member"):
            await _write(session, group, pat, node.now)


async def test_a_member_from_elsewhere_joins_an_open_group_writes_and_it_is_shared(
    node: Node,
) -> None:
    await node.group(await node.member("mo"), "circle")
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        actor, group = await _group(session, "circle")
        state = await remote_members.request_to_join(
            session, actor, group, pat, follow_uri=f"{PEER}/follows/1", now=node.now
        )
        assert state is MembershipState.APPROVED
        await _write(session, group, pat, node.now)
        assert await _events(session) == [EventKind.JOIN_ACCEPTED, EventKind.POST_CREATED]


async def test_an_approval_group_keeps_a_request_pending_and_a_banned_member_out(
    node: Node,
) -> None:
    await node.group(await node.member("mo"), "quiet", join_policy=JoinPolicy.APPROVAL)
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        actor, group = await _group(session, "quiet")
        state = await remote_members.request_to_join(
            session, actor, group, pat, follow_uri=f"{PEER}/follows/1", now=node.now
        )
        assert state is MembershipState.PENDING
        assert await _events(session) == []  # nothing to answer until a moderator decides
        with pytest.raises(PermissionDenied, match="not a member"):
            await _write(session, group, pat, node.now)
        membership = await remote_members.membership_of(session, group, pat)
        assert membership is not None
        membership.state = MembershipState.BANNED
        state = await remote_members.request_to_join(
            session, actor, group, pat, follow_uri=f"{PEER}/follows/2", now=node.now
        )
        assert state is MembershipState.BANNED
        assert await _events(session) == [EventKind.JOIN_REJECTED]
        assert not await remote_members.withdraw(session, group, pat)  # leaving lifts no ban
        with pytest.raises(PermissionDenied, match="banned"):
            await _write(session, group, pat, node.now)


async def test_a_group_for_trusted_nodes_only_turns_others_down_and_keeps_its_members(
    node: Node,
) -> None:
    await node.group(await node.member("mo"), "haven")
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        actor, group = await _group(session, "haven")
        group.trusted_nodes_only = True
        state = await remote_members.request_to_join(
            session, actor, group, pat, follow_uri=f"{PEER}/follows/1", now=node.now
        )
        assert state is None  # turned down: peer.example is not trusted
        [refusal] = await session.scalars(select(Event))
        assert refusal.kind == EventKind.JOIN_REJECTED.value
        assert TRUSTED_NODES_ONLY in refusal.data
        assert await remote_members.membership_of(session, group, pat) is None
        await storage.set_trusted(session, "peer.example", True, now=node.now)
        state = await remote_members.request_to_join(
            session, actor, group, pat, follow_uri=f"{PEER}/follows/2", now=node.now
        )
        assert state is MembershipState.APPROVED
        # No longer trusted: a member already in stays, and a repeated request is answered.
        await storage.set_trusted(session, "peer.example", False, now=node.now)
        state = await remote_members.request_to_join(
            session, actor, group, pat, follow_uri=f"{PEER}/follows/3", now=node.now
        )
        assert state is MembershipState.APPROVED
        assert await storage.list_rules(session) == []  # the empty rule went with the mark
