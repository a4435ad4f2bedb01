"""What a member's mutes and blocks do in the domain: the muter no longer sees the muted
person's posts and replies (others still do); a blocked person's reply to the blocker
is refused, from here or from another node; blocking someone elsewhere is recorded for
their server, and a block from another server's user is kept."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import follows, remote_members
from node.actors import upsert_remote_actor
from node.boundaries import blocking, entries, muting
from node.boundaries.checks import REPLY_REFUSED, may_ask
from node.errors import InvalidInput, PermissionDenied
from node.events import EventKind
from node.kinds import ActorKind, ContactPolicy
from node.passwords import Passwords
from node.posts import remote_posts
from node.site import Site
from node.storage.models.actors import Account, Actor
from node.storage.models.events import Event
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import Viewer
from tests.node.factories import Node
from tests.node.test_posts import circle, replies, threads

PEER = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _actor(node: Node, viewer: Viewer) -> Actor:
    async with node.sessions() as session:
        return await session.get_one(Actor, viewer.actor_id)


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


async def _events(node: Node) -> list[tuple[str, int | None, str]]:
    async with node.sessions() as session:
        rows = await session.execute(select(Event.kind, Event.subject_id, Event.data))
        return [(kind, subject, data) for kind, subject, data in rows]


async def _block(node: Node, viewer: Viewer, target: Actor) -> None:
    await node.run(lambda s: blocking.block(s, viewer, target, now=node.now))


async def _block_node(node: Node, viewer: Viewer, domain: str) -> None:
    await node.run(lambda s: blocking.block_node(s, node.site, viewer, domain, now=node.now))


async def test_a_muter_no_longer_sees_the_muted_persons_posts_and_others_still_do(
    node: Node,
) -> None:
    ana, ben = await circle(node)
    cat = await node.member("cat")
    await node.join(cat, "circle")
    own = await node.post(ana, "circle", "Mine")
    bens = await node.post(ben, "circle", "Ben's")
    bens_reply = await node.reply(ben, own.public_id, "Ben answers")
    cats_reply = await node.reply(cat, own.public_id, "Cat answers")
    target = await _actor(node, ben)
    await node.run(lambda s: muting.mute(s, ana, target, now=node.now))

    assert await threads(node, ana) == [own.public_id]
    assert await replies(node, ana, own.public_id) == [cats_reply.public_id]
    assert set(await threads(node, cat)) == {own.public_id, bens.public_id}
    assert await replies(node, cat, own.public_id) == [bens_reply.public_id, cats_reply.public_id]

    await node.run(lambda s: muting.unmute(s, ana, target))
    assert set(await threads(node, ana)) == {own.public_id, bens.public_id}


async def test_a_blocked_persons_anonymous_post_stays_so_nobody_learns_who_wrote_it(
    node: Node,
) -> None:
    ana, ben = await circle(node)
    await node.run(lambda s: s.execute(update(Group).values(allow_anonymous_posts=True)))
    named = await node.post(ben, "circle", "Named")
    anonymous = await node.post(ben, "circle", "Unnamed", anonymous=True)
    target = await _actor(node, ben)
    await node.run(lambda s: blocking.block(s, ana, target, now=node.now))

    shown = await threads(node, ana)
    assert anonymous.public_id in shown
    assert named.public_id not in shown


async def test_a_blocked_persons_reply_to_the_blocker_is_refused_and_only_that(
    node: Node,
) -> None:
    ana, ben = await circle(node)
    cat = await node.member("cat")
    await node.join(cat, "circle")
    anas = await node.post(ana, "circle", "Mine")
    cats = await node.post(cat, "circle", "Cat's")
    target = await _actor(node, ben)
    await node.run(lambda s: blocking.block(s, ana, target, now=node.now))

    with pytest.raises(PermissionDenied, match=REPLY_REFUSED):
        await node.reply(ben, anas.public_id, "Still me")
    # Ana may still answer Ben's posts, and Ben anyone else's.
    await node.reply(ben, cats.public_id, "Hello Cat")
    bens = await node.post(ben, "circle", "Ben's")
    await node.reply(ana, bens.public_id, "Ana answers")
    # A block of someone here sends nothing anywhere.
    assert not [e for e in await _events(node) if e[0].startswith("boundary.")]

    await node.run(lambda s: blocking.unblock(s, ana, target, now=node.now))
    await node.reply(ben, anas.public_id, "Me again")


async def test_blocking_someone_elsewhere_is_recorded_for_their_server(node: Node) -> None:
    ana = await node.member("ana")
    pat = await node.run(lambda s: _pat(s, node.now))
    await node.run(lambda s: blocking.block(s, ana, pat, now=node.now))
    await node.run(lambda s: blocking.block(s, ana, pat, now=node.now))  # again: nothing new
    assert await node.run(
        lambda s: blocking.remember_block_uri(s, ana.actor_id, pat.id, "https://node.test/b/1")
    )
    await node.run(lambda s: blocking.unblock(s, ana, pat, now=node.now))
    await node.run(lambda s: blocking.unblock(s, ana, pat, now=node.now))  # again: nothing

    assert await _events(node) == [
        (EventKind.ACTOR_BLOCKED, pat.id, "{}"),
        (EventKind.ACTOR_UNBLOCKED, pat.id, '{"block_uri":"https://node.test/b/1"}'),
    ]
    # Lifted before it went out: there is nothing to remember, nothing to send.
    assert not await node.run(
        lambda s: blocking.remember_block_uri(s, ana.actor_id, pat.id, "https://node.test/b/2")
    )


async def test_people_and_nodes_are_checked_before_they_are_blocked(node: Node) -> None:
    ana = await node.member("ana")
    me = await _actor(node, ana)
    await node.group(ana, "walkers")
    with pytest.raises(InvalidInput, match="this is you"):
        await node.run(lambda s: blocking.block(s, ana, me, now=node.now))
    async with node.sessions() as session:
        group_actor = await session.scalar(select(Actor).where(Actor.handle == "walkers"))
    assert group_actor is not None
    with pytest.raises(InvalidInput, match="only people"):
        await node.run(lambda s: muting.mute(s, ana, group_actor, now=node.now))
    for wrong in ("", "not a node", node.site.domain):
        with pytest.raises(InvalidInput):
            await _block_node(node, ana, wrong)
    entry = await node.run(
        lambda s: blocking.block_node(s, node.site, ana, " https://Peer.Example/ ", now=node.now)
    )
    assert entry.domain == "peer.example"


async def test_a_member_lists_whom_they_muted_and_blocked_a_page_at_a_time(node: Node) -> None:
    ana = await node.member("ana")
    others = [await node.member(name) for name in ("ben", "cat", "dan")]
    for other in others:
        target = await _actor(node, other)
        await _block(node, ana, target)
    first = await node.run(lambda s: entries.blocked(s, ana, limit=2))
    assert [e.actor.handle for e in first.items] == ["dan", "cat"]
    assert first.next_cursor is not None
    rest = await node.run(lambda s: entries.blocked(s, ana, cursor=first.next_cursor, limit=2))
    assert [e.actor.handle for e in rest.items] == ["ben"]
    assert rest.next_cursor is None
    assert (await node.run(lambda s: entries.muted(s, ana))).items == []
    await node.run(lambda s: blocking.block_node(s, node.site, ana, "far.example", now=node.now))
    nodes = await node.run(lambda s: entries.blocked_nodes(s, ana))
    assert [e.domain for e in nodes.items] == ["far.example"]


async def test_a_block_from_another_servers_user_is_kept_and_refuses_both_ways(
    node: Node,
) -> None:
    mo = await node.member("mo")
    await node.group(mo, "circle")
    await node.run(lambda s: s.execute(update(Account).values(contact_policy=ContactPolicy.ANYONE)))
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        member = await session.get_one(Actor, mo.actor_id)
        assert await blocking.blocked_by_remote(
            session, pat.id, member.id, activity_uri="https://peer.example/blocks/1", now=node.now
        )
        # It names one of ours, never one of theirs.
        assert not await blocking.blocked_by_remote(
            session, member.id, pat.id, activity_uri="https://peer.example/blocks/2", now=node.now
        )
    assert not await node.run(lambda s: may_ask(s, mo.actor_id, pat.id))
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        member = await session.get_one(Actor, mo.actor_id)
        assert await blocking.unblocked_by_remote(session, pat.id, member.id)
        assert not await blocking.unblocked_by_remote(session, pat.id, member.id)
    assert await node.run(lambda s: may_ask(s, mo.actor_id, pat.id))


async def test_a_reply_from_another_node_by_someone_the_author_blocked_is_refused(
    node: Node,
) -> None:
    mo = await node.member("mo")
    await node.group(mo, "circle")
    first = await node.post(mo, "circle", "Mine")
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
        group_actor = await session.scalar(select(Actor).where(Actor.handle == "circle"))
        assert group_actor is not None
        group = await session.scalar(select(Group).where(Group.actor_id == group_actor.id))
        assert group is not None
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PEER}/follows/1", now=node.now
        )
    await node.run(lambda s: blocking.block(s, mo, pat, now=node.now))
    async with node.sessions.begin() as session:
        parent_uri = await session.scalar(select(Post.uri).where(Post.public_id == first.public_id))
        assert parent_uri is not None
        with pytest.raises(PermissionDenied, match=REPLY_REFUSED):
            await remote_posts.store_remote_post(
                session,
                uri=f"{PEER}/notes/1",
                author=pat,
                group=group,
                in_reply_to_uri=parent_uri,
                title=None,
                content_html="<p>hi</p>",
                content_warning="",
                language="en",
                published_at=node.now,
                edited_at=None,
                now=node.now,
            )


async def _follow(node: Node, follower: Actor, followee: Actor) -> None:
    await node.run(lambda s: follows.request_follow(s, follower, followee, now=node.now))


async def test_no_follow_across_a_block_either_way_or_a_blocked_node(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    async with node.sessions.begin() as session:
        pat = await _pat(session, node.now)
    ana_actor, ben_actor = await _actor(node, ana), await _actor(node, ben)
    await _block(node, ana, ben_actor)
    for follower, followee in ((ben_actor, ana_actor), (ana_actor, ben_actor)):
        with pytest.raises(PermissionDenied, match=follows.FOLLOW_REFUSED):
            await _follow(node, follower, followee)
    await _block_node(node, ana, "peer.example")
    with pytest.raises(PermissionDenied, match=follows.FOLLOW_REFUSED):
        await node.run(lambda s: follows.request_follow(s, pat, ana_actor, now=node.now))
    # Ben may still follow someone else, and Pat someone who did not block Pat's node.
    await node.run(lambda s: follows.request_follow(s, pat, ben_actor, now=node.now))
