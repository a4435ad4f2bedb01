"""A member of another node deleted their account: what members and moderators here see
afterwards, in groups hosted here and in groups elsewhere that we hold copies of."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import follows, reactions, remote_accounts, remote_members
from node.actors import upsert_remote_actor
from node.errors import PermissionDenied
from node.events import EventKind
from node.groups import membership, remote_groups
from node.kinds import ActorKind, JoinPolicy, MembershipState, NodeRole, Visibility
from node.passwords import Passwords
from node.posts import reading, remote_posts
from node.reports import filing, report_queue
from node.site import Site
from node.storage.models.actors import Actor, Follow
from node.storage.models.events import Event
from node.storage.models.groups import Group
from node.storage.models.posts import Post, Reaction
from node.views import Viewer
from tests.node.factories import Node

PAT = "https://peer.example/users/pat"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _person(session: AsyncSession, uri: str, now: datetime) -> Actor:
    handle = uri.rsplit("/", 1)[1]
    return await upsert_remote_actor(
        session,
        uri=uri,
        kind=ActorKind.PERSON,
        handle=handle,
        domain="peer.example",
        display_name=handle.title(),
        summary="",
        now=now,
    )


async def _local_group(session: AsyncSession, handle: str) -> tuple[Actor, Group]:
    actor = await session.scalar(select(Actor).where(Actor.handle_key == handle, Actor.local))
    assert actor is not None
    return actor, await session.get_one(Group, (await _group_id(session, actor)))


async def _group_id(session: AsyncSession, actor: Actor) -> int:
    group_id = await session.scalar(select(Group.id).where(Group.actor_id == actor.id))
    assert group_id is not None
    return group_id


async def _write(
    session: AsyncSession,
    group: Group,
    author: Actor,
    n: int,
    now: datetime,
    *,
    reply_to: str | None = None,
) -> Post:
    return await remote_posts.store_remote_post(
        session,
        uri=f"{author.uri}/notes/{n}",
        author=author,
        group=group,
        in_reply_to_uri=reply_to,
        title=None if reply_to else f"Thread {n}",
        content_html=f"<p>Something private, {n}</p>",
        content_warning="grief",
        language="en",
        published_at=now,
        edited_at=None,
        now=now,
    )


async def _group_elsewhere(session: AsyncSession, now: datetime) -> Group:
    actor = await upsert_remote_actor(
        session,
        uri="https://other.example/c/garden",
        kind=ActorKind.GROUP,
        handle="garden",
        domain="other.example",
        display_name="Garden",
        summary="",
        now=now,
    )
    return await remote_groups.upsert_remote_group(
        session,
        actor,
        join_policy=JoinPolicy.OPEN,
        posting_restricted_to_moderators=False,
        visibility=Visibility.PUBLIC,
    )


async def _events(session: AsyncSession) -> list[tuple[str, int | None]]:
    rows = await session.execute(select(Event.kind, Event.subject_id).order_by(Event.id))
    return [(kind, subject) for kind, subject in rows]


async def _forget(node: Node, uri: str) -> remote_accounts.LetGo:
    async with node.sessions.begin() as session:
        pat = await session.scalar(select(Actor).where(Actor.uri == uri))
        assert pat is not None
        return await remote_accounts.cut_ties(session, pat)


async def _wipe(node: Node, uri: str, limit: int) -> int:
    async with node.sessions.begin() as session:
        pat = await session.scalar(select(Actor).where(Actor.uri == uri))
        assert pat is not None
        return await remote_accounts.wipe_posts(session, pat, limit=limit, now=node.now)


async def _pat_in_circle(node: Node) -> tuple[Viewer, Viewer, str]:
    """``mo`` owns the open group ``circle``, ``ben`` is in it; pat (elsewhere) joined it,
    started a thread that ben answered, replied to ben's thread, and wrote in a group
    elsewhere that we hold a copy of. Pat's thread's public id."""
    mo, ben = await node.member("mo"), await node.member("ben")
    await node.group(mo, "circle")
    await node.join(ben, "circle")
    bens = await node.post(ben, "circle", "Ben's thread")
    async with node.sessions.begin() as session:
        pat = await _person(session, PAT, node.now)
        group_actor, group = await _local_group(session, "circle")
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PAT}/follows/1", now=node.now
        )
        thread = await _write(session, group, pat, 1, node.now)
        await _write(session, group, pat, 2, node.now, reply_to=bens.uri)
        await _write(session, await _group_elsewhere(session, node.now), pat, 3, node.now)
        thread_id = thread.public_id
    await node.reply(ben, thread_id, "Ben answers pat")
    return mo, ben, thread_id


async def test_every_post_and_reply_is_wiped_and_a_group_here_announces_each(
    node: Node,
) -> None:
    _, ben, pats_thread = await _pat_in_circle(node)
    async with node.sessions.begin() as session:
        for event in await session.scalars(select(Event)):
            await session.delete(event)
    assert await _wipe(node, PAT, limit=10) == 3
    async with node.sessions() as session:
        page = await reading.list_threads(session, node.site, ben, "circle")
        shown = {p.public_id: p for p in page.items}
        pats = shown[pats_thread]  # a tombstone, keeping ben's answer in its place
        assert (pats.deleted, pats.author, pats.title, pats.content_html) == (True, None, None, "")
        replies = await reading.list_replies(session, ben, pats_thread)
        assert [(r.deleted, "Ben answers pat" in r.content_html) for r in replies.items] == [
            (False, True)
        ]
        [bens] = [p for p in page.items if p.public_id != pats_thread]
        replies = await reading.list_replies(session, ben, bens.public_id)
        assert [(r.deleted, r.author, r.content_html) for r in replies.items] == [(True, None, "")]
        wiped = (await session.scalars(select(Post).where(Post.uri.like(f"{PAT}/%")))).all()
        assert {(p.title, p.content_html, p.content_warning) for p in wiped} == {(None, "", "")}
        assert all(p.deleted_at == node.now for p in wiped)
        # The group hosted here announces the deletion of both posts made in it; the copy
        # of the group elsewhere is wiped without a word (that group's node says it).
        here = {p.id for p in wiped if not p.uri.endswith("/3")}
        assert sorted(await _events(session)) == sorted(
            (EventKind.POST_DELETED.value, post_id) for post_id in here
        )


async def test_a_large_account_is_wiped_in_bounded_batches_and_again_is_harmless(
    node: Node,
) -> None:
    await node.group(await node.member("mo"), "circle")
    async with node.sessions.begin() as session:
        pat = await _person(session, PAT, node.now)
        group_actor, group = await _local_group(session, "circle")
        await remote_members.request_to_join(
            session, group_actor, group, pat, follow_uri=f"{PAT}/follows/1", now=node.now
        )
        for n in range(5):
            await _write(session, group, pat, n, node.now)
    assert [await _wipe(node, PAT, limit=2) for _ in range(4)] == [2, 2, 1, 0]
    async with node.sessions() as session:
        deleted = select(func.count()).where(Event.kind == EventKind.POST_DELETED.value)
        assert await session.scalar(deleted) == 5  # one announcement per post, never two


async def test_memberships_requests_follows_and_support_end_but_a_ban_stays(node: Node) -> None:
    mo, ben, _ = await _pat_in_circle(node)
    staff = await node.member("sol", role=NodeRole.MODERATOR)
    await node.group(mo, "quiet", join_policy=JoinPolicy.APPROVAL)
    await node.group(mo, "closed")
    bens_post = await node.post(ben, "circle", "Hard week.")
    async with node.sessions.begin() as session:
        pat = await _person(session, PAT, node.now)
        quiet_actor, quiet = await _local_group(session, "quiet")
        await remote_members.request_to_join(
            session, quiet_actor, quiet, pat, follow_uri=f"{PAT}/follows/2", now=node.now
        )
        closed_actor, closed = await _local_group(session, "closed")
        await remote_members.request_to_join(
            session, closed_actor, closed, pat, follow_uri=f"{PAT}/follows/3", now=node.now
        )
        banned = await remote_members.membership_of(session, closed, pat)
        assert banned is not None
        banned.state = MembershipState.BANNED
        bens_actor = await session.get_one(Actor, ben.actor_id)
        await follows.request_follow(session, pat, bens_actor, now=node.now)
        await follows.request_follow(session, bens_actor, pat, now=node.now)
        post = await session.scalar(select(Post).where(Post.public_id == bens_post.public_id))
        assert post is not None
        assert await reactions.store_remote_reaction(
            session, post, pat, activity_uri=f"{PAT}/likes/1", now=node.now
        )
        for event in await session.scalars(select(Event)):
            await session.delete(event)
    report = await node.run(
        lambda s: filing.file_report(
            s, node.site, ben, acct="pat@peer.example", reason="unkind", now=node.now
        )
    )

    let_go = await _forget(node, PAT)

    assert let_go == remote_accounts.LetGo(memberships=1, join_requests=1, follows=2, reactions=1)
    async with node.sessions() as session:
        members = await membership.list_members(session, node.site, mo, "circle")
        assert [m.member.handle for m in members.items] == ["mo", "ben"]
        pending = await membership.list_members(
            session, node.site, mo, "quiet", state=MembershipState.PENDING
        )
        assert pending.items == []
        bans = await membership.list_members(
            session, node.site, mo, "closed", state=MembershipState.BANNED
        )
        assert [m.member.uri for m in bans.items] == [PAT]  # the moderators' record
        assert await session.scalar(select(func.count()).select_from(Follow)) == 0
        assert await session.scalar(select(func.count()).select_from(Reaction)) == 0
        assert await _events(session) == []  # nobody is told: the account is gone
        # The report about the account stays in the queue.
        queue = await report_queue.list_reports(session, staff)
        assert [(r.public_id, r.target_uri) for r in queue.items] == [(report.public_id, PAT)]
    assert await _forget(node, PAT) == remote_accounts.LetGo(0, 0, 0, 0)  # again: harmless


async def test_an_account_of_this_node_is_not_let_go_of_from_elsewhere(node: Node) -> None:
    ben = await node.member("ben")
    async with node.sessions.begin() as session:
        actor = await session.get_one(Actor, ben.actor_id)
        with pytest.raises(PermissionDenied, match="account of this node"):
            await remote_accounts.cut_ties(session, actor)
        with pytest.raises(PermissionDenied, match="account of this node"):
            await remote_accounts.wipe_posts(session, actor, limit=10, now=node.now)
