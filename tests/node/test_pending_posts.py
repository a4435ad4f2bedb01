"""Our member's post in a group hosted elsewhere, before and after that group answers.

The domain rules behind ``node.pending_posts``: who sees a waiting post, what a share
or a refusal by the group changes, and what cannot be done to a post that waits.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import pending_posts
from node.actors import upsert_remote_actor
from node.errors import Conflict, NotFound
from node.events import EventKind
from node.groups.remote_groups import upsert_remote_group
from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, NodeRole
from node.passwords import Passwords
from node.posts import reading, writing
from node.site import Site
from node.storage.models.events import Event
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Post
from node.views import Viewer
from tests.node.factories import Node

ELSEWHERE = "circle@peer.example"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _group_elsewhere(node: Node, *members: Viewer) -> Group:
    """A public group on peer.example that ``members`` of this node belong to."""
    async with node.sessions.begin() as session:
        actor = await upsert_remote_actor(
            session,
            uri="https://peer.example/c/circle",
            kind=ActorKind.GROUP,
            handle="circle",
            domain="peer.example",
            display_name="Circle",
            summary="",
            now=node.now,
        )
        group = await upsert_remote_group(
            session, actor, join_policy=JoinPolicy.OPEN, posting_restricted_to_moderators=False
        )
        for member in members:
            session.add(
                Membership(
                    group_id=group.id,
                    member_id=member.actor_id,
                    state=MembershipState.APPROVED,
                    role=GroupRole.MEMBER,
                    created_at=node.now,
                    updated_at=node.now,
                )
            )
    return group


async def _seen_by(node: Node, viewer: Viewer | None, public_id: str) -> bool:
    try:
        await node.run(lambda s: reading.get_post(s, viewer, public_id))
    except NotFound:
        return False
    return True


async def _listed_for(node: Node, viewer: Viewer | None) -> list[str]:
    page = await node.run(lambda s: reading.list_threads(s, node.site, viewer, ELSEWHERE))
    return [item.public_id for item in page.items]


async def _events(node: Node, kind: EventKind) -> int:
    async with node.sessions() as session:
        return len((await session.scalars(select(Event).where(Event.kind == kind.value))).all())


async def test_a_post_waits_for_its_group_seen_by_its_author_alone(node: Node) -> None:
    bea, bo = await node.member("bea"), await node.member("bo")
    admin = await node.member("ada", role=NodeRole.ADMIN)
    group = await _group_elsewhere(node, bea, bo, admin)
    waiting = await node.post(bea, ELSEWHERE, "Is anyone awake?", title="Tonight")
    assert (waiting.pending, waiting.declined, waiting.held) == (True, False, False)
    # It is on its way to the group (the event that sends it), and for Bea alone here.
    assert await _events(node, EventKind.POST_CREATED) == 1
    assert await _seen_by(node, bea, waiting.public_id)
    for other in (None, bo, admin):
        assert not await _seen_by(node, other, waiting.public_id)
        assert await _listed_for(node, other) == []
    assert await _listed_for(node, bea) == [waiting.public_id]
    async with node.sessions() as session:
        with pytest.raises(NotFound):
            await reading.post_for_node(session, waiting.public_id, "peer.example")
    # Nobody answers it, supports it, or reports it meanwhile; she cannot be answered either.
    with pytest.raises(Conflict, match="waiting for its group"):
        await node.reply(bea, waiting.public_id)

    # The group shares it: everyone's now, and its author's followers get it too.
    assert await node.run(
        lambda s: pending_posts.shared_elsewhere(s, group, waiting.uri, now=node.now)
    )
    for other in (None, bo, admin):
        assert await _seen_by(node, other, waiting.public_id)
    assert await _events(node, EventKind.POST_SHARED) == 1
    # A second Announce of it changes nothing.
    assert not await node.run(
        lambda s: pending_posts.shared_elsewhere(s, group, waiting.uri, now=node.now)
    )
    assert await _events(node, EventKind.POST_SHARED) == 1


async def test_a_post_its_group_turns_down_stays_its_authors_with_her_words(node: Node) -> None:
    bea, bo = await node.member("bea"), await node.member("bo")
    group = await _group_elsewhere(node, bea, bo)
    waiting = await node.post(bea, ELSEWHERE, "Is anyone awake?", title="Tonight")
    assert await node.run(
        lambda s: pending_posts.declined_elsewhere(s, group, waiting.uri, now=node.now)
    )
    mine = await node.run(lambda s: reading.get_post(s, bea, waiting.public_id))
    assert (mine.declined, mine.deleted, mine.content_html) == (
        True,
        False,
        "<p>Is anyone awake?</p>",
    )
    assert await _listed_for(node, bea) == [waiting.public_id]
    assert not await _seen_by(node, bo, waiting.public_id)
    assert await _listed_for(node, None) == []
    # A later Announce does not make it public here: the group said no.
    assert not await node.run(
        lambda s: pending_posts.shared_elsewhere(s, group, waiting.uri, now=node.now)
    )
    assert not await _seen_by(node, bo, waiting.public_id)
    with pytest.raises(Conflict, match="did not accept"):
        await node.run(
            lambda s: writing.edit_post(s, bea, waiting.public_id, body="again", now=node.now)
        )
    # She may still delete it: its text is wiped, as for any post of hers.
    await node.run(lambda s: writing.delete_post(s, bea, waiting.public_id, now=node.now))
    async with node.sessions() as session:
        row = await session.scalar(select(Post).where(Post.public_id == waiting.public_id))
        assert row is not None
        assert (row.source, row.content_html) == (None, "")


async def test_only_the_group_the_post_was_sent_to_answers_for_it(node: Node) -> None:
    bea = await node.member("bea")
    await _group_elsewhere(node, bea)
    waiting = await node.post(bea, ELSEWHERE, "Is anyone awake?", title="Tonight")
    async with node.sessions.begin() as session:
        actor = await upsert_remote_actor(
            session,
            uri="https://other.example/c/x",
            kind=ActorKind.GROUP,
            handle="x",
            domain="other.example",
            display_name="X",
            summary="",
            now=node.now,
        )
        other = await upsert_remote_group(
            session, actor, join_policy=JoinPolicy.OPEN, posting_restricted_to_moderators=False
        )
        assert not await pending_posts.shared_elsewhere(session, other, waiting.uri, now=node.now)
        assert not await pending_posts.declined_elsewhere(session, other, waiting.uri, now=node.now)
    assert not await _seen_by(node, None, waiting.public_id)
