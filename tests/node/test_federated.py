"""What federation is told about the actors, groups and posts another node's activity
names: values (``node.federated``: ``actors``, ``incoming_posts``, ``ties``), never rows."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.actors import upsert_remote_actor
from node.federated import incoming_posts, ties
from node.federated.actors import KnownActor, actor_named, group_of
from node.kinds import ActorKind, MembershipState, Visibility
from node.passwords import Passwords
from node.site import Site
from tests.node.factories import Node

PAT = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _pat(node: Node) -> KnownActor:
    async def store(session: AsyncSession) -> KnownActor:
        await upsert_remote_actor(
            session,
            uri=PAT,
            kind=ActorKind.PERSON,
            handle="pat",
            domain="peer.example",
            display_name="Pat",
            summary="",
            now=node.now,
        )
        pat = await actor_named(session, PAT)
        assert pat is not None
        return pat

    return await node.run(store)


async def _named(node: Node, uri: str) -> KnownActor:
    actor = await node.run(lambda s: actor_named(s, uri))
    assert actor is not None
    return actor


async def test_actors_and_groups_are_named_as_values(node: Node) -> None:
    ana = await node.member("ana")
    circle = await node.group(ana, "circle", visibility=Visibility.PRIVATE, language="de")
    pat = await _pat(node)

    member = await _named(node, node.site.member_uri("ana"))
    group_actor = await _named(node, circle.actor.uri)
    assert (member.id, member.local, member.is_person, member.is_group) == (
        ana.actor_id,
        True,
        True,
        False,
    )
    assert (pat.local, pat.is_person) == (False, True)
    assert (group_actor.is_group, group_actor.local) == (True, True)
    group = await node.run(lambda s: group_of(s, group_actor))
    assert group is not None
    assert (group.actor, group.private, group.language) == (group_actor, True, "de")
    assert await node.run(lambda s: group_of(s, member)) is None
    assert await node.run(lambda s: actor_named(s, "https://peer.example/users/nobody")) is None
    with pytest.raises(FrozenInstanceError):
        member.local = False  # type: ignore[misc]


async def test_a_post_is_named_with_its_group_and_told_apart_from_ours(node: Node) -> None:
    ana = await node.member("ana")
    circle = await node.group(ana, "circle")
    post = await node.post(ana, "circle", title="Hi")

    held = await node.run(lambda s: incoming_posts.post_named(s, post.uri))
    assert held is not None
    assert (held.uri, held.group.actor.uri, held.group.private) == (
        post.uri,
        circle.actor.uri,
        False,
    )
    assert await node.run(lambda s: incoming_posts.is_ours(s, post.uri))
    assert await node.run(lambda s: incoming_posts.post_known(s, post.uri))
    elsewhere = f"{PAT}/notes/1"
    assert await node.run(lambda s: incoming_posts.post_named(s, elsewhere)) is None
    assert not await node.run(lambda s: incoming_posts.post_known(s, elsewhere))


async def test_a_join_a_follow_and_support_from_elsewhere_are_found_by_their_ids(
    node: Node,
) -> None:
    ana = await node.member("ana")
    circle = await node.group(ana, "circle")
    post = await node.post(ana, "circle", title="Hi")
    pat = await _pat(node)
    me = await _named(node, node.site.member_uri("ana"))
    group_actor = await _named(node, circle.actor.uri)
    group = await node.run(lambda s: group_of(s, group_actor))
    assert group is not None
    join, follow, like = (f"{PAT}/activities/{n}" for n in ("join", "follow", "like"))

    state = await node.run(lambda s: ties.join_asked(s, group, pat, follow_uri=join, now=node.now))
    assert state is MembershipState.APPROVED
    assert await node.run(lambda s: ties.member_asking(s, join)) == pat
    assert not await node.run(lambda s: ties.join_pending(s, group, pat))

    await node.run(lambda s: ties.follow_asked(s, pat, me, activity_uri=follow, now=node.now))
    by_id = await node.run(lambda s: ties.follower_in(s, me, follow_uri=follow, follower_uri=None))
    by_actor = await node.run(lambda s: ties.follower_in(s, me, follow_uri=None, follower_uri=PAT))
    assert by_id == by_actor == pat
    assert (
        await node.run(lambda s: ties.follower_in(s, me, follow_uri=None, follower_uri=None))
        is None
    )

    held = await node.run(lambda s: incoming_posts.post_named(s, post.uri))
    assert held is not None
    assert await node.run(lambda s: ties.supported(s, held, pat, activity_uri=like, now=node.now))
    assert await node.run(lambda s: ties.post_supported_by(s, like)) == post.uri
    assert await node.run(lambda s: ties.left(s, group, pat))
