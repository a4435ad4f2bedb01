"""Federation policy in what the node shows: a suspended domain's content disappears (and
comes back when the rule is lifted), a limited domain's is for group members only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts, remote_members
from node.actors import upsert_remote_actor
from node.errors import NotFound
from node.federation_policy import storage
from node.federation_policy.decision import Mode
from node.federation_policy.visibility import decisions_for
from node.groups import loading, membership, remote_groups
from node.groups.directory import list_groups
from node.kinds import ActorKind, JoinPolicy, MembershipState, NodeRole
from node.passwords import Passwords
from node.posts import reading, remote_posts
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group
from node.storage.models.posts import Post
from node.views import Viewer
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


@dataclass
class World:
    """mo's public group "circle" here, ann in it, val not; pat@bad.example and
    lou@loud.example are members who posted in it; far@bad.example and
    hall@loud.example are groups hosted on those domains."""

    node: Node
    mo: Viewer
    ann: Viewer
    val: Viewer
    thread: str  # mo's thread
    by_pat: str  # pat's thread
    pat_reply: str  # pat's reply to mo's thread
    by_lou: str  # lou's thread

    async def change(self, *changes: Callable[[AsyncSession], Awaitable[Any]]) -> None:
        async with self.node.sessions.begin() as session:
            for change in changes:
                await change(session)

    async def thread_ids(self, viewer: Viewer | None) -> set[str]:
        page = await self.node.run(
            lambda s: reading.list_threads(s, self.node.site, viewer, "circle")
        )
        return {post.public_id for post in page.items}

    async def reply_ids(self, viewer: Viewer | None) -> set[str]:
        page = await self.node.run(lambda s: reading.list_replies(s, viewer, self.thread))
        return {post.public_id for post in page.items}

    async def shown(self, viewer: Viewer | None, public_id: str) -> bool:
        try:
            await self.node.run(lambda s: reading.get_post(s, viewer, public_id))
        except NotFound:
            return False
        return True

    async def directory(self, viewer: Viewer | None) -> set[str]:
        page = await self.node.run(lambda s: list_groups(s, viewer))
        return {view.actor.acct for view in page.items}

    async def found(self, acct: str) -> bool:
        try:
            await self.node.run(lambda s: loading.get_group(s, self.node.site, self.ann, acct))
        except NotFound:
            return False
        return True

    async def members(self) -> set[str]:
        page = await self.node.run(
            lambda s: membership.list_members(s, self.node.site, self.ann, "circle")
        )
        return {view.member.acct for view in page.items}


async def remote(
    session: AsyncSession, name: str, domain: str, kind: ActorKind, now: datetime
) -> Actor:
    return await upsert_remote_actor(
        session,
        uri=f"https://{domain}/{kind.value}s/{name}",
        kind=kind,
        handle=name,
        domain=domain,
        display_name=name.title(),
        summary="",
        now=now,
    )


@pytest.fixture
async def world(node: Node) -> World:
    mo, ann, val = await node.member("mo"), await node.member("ann"), await node.member("val")
    await node.group(mo, "circle")
    await node.join(ann, "circle")
    thread = (await node.post(mo, "circle", "Welcome", title="Hello")).public_id
    created: dict[str, str] = {}
    async with node.sessions.begin() as session:
        circle_actor = await session.scalar(select(Actor).where(Actor.handle_key == "circle"))
        assert circle_actor is not None
        circle = await session.scalar(select(Group).where(Group.actor_id == circle_actor.id))
        assert circle is not None
        for name, domain in (("pat", "bad.example"), ("lou", "loud.example")):
            author = await remote(session, name, domain, ActorKind.PERSON, node.now)
            await remote_members.request_to_join(
                session,
                circle_actor,
                circle,
                author,
                follow_uri=f"https://{domain}/f/{name}",
                now=node.now,
            )
            post = await remote_posts.store_remote_post(
                session,
                uri=f"https://{domain}/posts/{name}",
                author=author,
                group=circle,
                in_reply_to_uri=None,
                title=f"From {domain}",
                content_html="<p>Hi</p>",
                content_warning="",
                language="en",
                published_at=node.now + timedelta(minutes=1),
                edited_at=None,
                now=node.now,
            )
            created[name] = post.public_id
        pat = await session.scalar(select(Actor).where(Actor.handle_key == "pat"))
        assert pat is not None
        mo_thread = await session.scalar(select(Post).where(Post.public_id == thread))
        assert mo_thread is not None
        reply = await remote_posts.store_remote_post(
            session,
            uri="https://bad.example/posts/pat-reply",
            author=pat,
            group=circle,
            in_reply_to_uri=mo_thread.uri,
            title=None,
            content_html="<p>Me too</p>",
            content_warning="",
            language="en",
            published_at=node.now + timedelta(minutes=2),
            edited_at=None,
            now=node.now,
        )
        for name, domain in (("far", "bad.example"), ("hall", "loud.example")):
            actor = await remote(session, name, domain, ActorKind.GROUP, node.now)
            await remote_groups.upsert_remote_group(
                session,
                actor,
                join_policy=JoinPolicy.OPEN,
                posting_restricted_to_moderators=False,
            )
    return World(node, mo, ann, val, thread, created["pat"], reply.public_id, created["lou"])


def suspend(domain: str, now: datetime) -> Callable[[AsyncSession], Awaitable[Any]]:
    return lambda s: storage.set_rule(s, domain, "suspend", now=now)


async def test_a_suspended_domain_disappears_and_comes_back(world: World) -> None:
    now = world.node.now
    everyone = {world.thread, world.by_pat, world.by_lou}
    assert await world.thread_ids(None) == everyone
    assert await world.directory(None) >= {"far@bad.example", "hall@loud.example"}

    await world.change(suspend("bad.example", now))  # stored before; hidden from now on
    for viewer in (None, world.ann, world.mo):
        assert await world.thread_ids(viewer) == {world.thread, world.by_lou}
        assert await world.reply_ids(viewer) == set()
        assert not await world.shown(viewer, world.by_pat)
        assert not await world.shown(viewer, world.pat_reply)
    assert "far@bad.example" not in await world.directory(world.ann)
    assert not await world.found("far@bad.example")  # lookups by handle too
    assert "hall@loud.example" in await world.directory(world.ann)
    assert await world.members() == {"mo@node.test", "ann@node.test", "lou@loud.example"}
    with pytest.raises(NotFound):
        await world.node.run(lambda s: reading.post_for_node(s, world.by_pat, "other.example"))
    with pytest.raises(NotFound):
        await world.node.run(lambda s: accounts.get_profile(s, "pat", "bad.example"))

    await world.change(lambda s: storage.remove_rule(s, "bad.example"))
    assert await world.thread_ids(None) == everyone
    assert await world.reply_ids(None) == {world.pat_reply}
    assert await world.shown(None, world.by_pat)
    assert await world.found("far@bad.example")
    assert "pat@bad.example" in await world.members()


async def test_a_limited_domain_is_for_group_members_and_out_of_the_directory(
    world: World,
) -> None:
    await world.change(lambda s: storage.set_rule(s, "loud.example", "limit", now=world.node.now))
    # Posts: approved members of the group the post is in see them; nobody else does.
    for member in (world.ann, world.mo):
        assert world.by_lou in await world.thread_ids(member)
        assert await world.shown(member, world.by_lou)
    for outsider in (None, world.val):
        assert await world.thread_ids(outsider) == {world.thread, world.by_pat}
        assert not await world.shown(outsider, world.by_lou)
    await world.node.set_state(world.ann, "circle", MembershipState.PENDING)
    assert not await world.shown(world.ann, world.by_lou)  # pending is not approved

    # Groups: out of the directory, still found by their exact handle.
    assert "hall@loud.example" not in await world.directory(world.val)
    assert "hall@loud.example" not in await world.directory(None)
    assert await world.found("hall@loud.example")
    hall = await world.node.run(
        lambda s: loading.get_group(s, world.node.site, world.val, "hall@loud.example")
    )
    assert hall.actor.acct == "hall@loud.example"


async def test_its_approved_members_still_find_a_limited_group_in_the_directory(
    world: World,
) -> None:
    async with world.node.sessions.begin() as session:
        await membership.join_group(
            session, world.node.site, world.val, "hall@loud.example", now=world.node.now
        )
    await world.node.set_state(world.val, "hall", MembershipState.APPROVED)
    await world.change(lambda s: storage.set_rule(s, "loud.example", "limit", now=world.node.now))
    assert "hall@loud.example" in await world.directory(world.val)
    assert "hall@loud.example" not in await world.directory(world.ann)


async def test_an_allowlist_hides_every_domain_it_does_not_list(world: World) -> None:
    now = world.node.now
    await world.change(
        lambda s: storage.set_rule(s, "loud.example", "allow", now=now),
        lambda s: storage.set_mode(s, "allowlist", now=now),
    )
    assert await world.thread_ids(world.ann) == {world.thread, world.by_lou}
    assert "far@bad.example" not in await world.directory(world.ann)
    await world.change(lambda s: storage.set_mode(s, Mode.OPEN, now=now))
    assert world.by_pat in await world.thread_ids(world.ann)  # open: rules kept, not enforced
    await world.change(suspend("bad.example", now))
    assert world.by_pat in await world.thread_ids(world.ann)


async def test_domains_are_decided_by_the_policys_own_matching(node: Node) -> None:
    """Subdomains, wildcards and ports: what the pure decision says, nothing copied."""
    domains = [
        "bad.example",
        "a.bad.example",
        "wild.example",
        "x.wild.example",
        "127.0.0.9:8080",
        "127.0.0.9:9090",
        "fine.example",
    ]
    async with node.sessions.begin() as session:
        await storage.set_rule(session, "bad.example", "suspend", now=node.now)
        await storage.set_rule(session, "*.wild.example", "suspend", now=node.now)
        await storage.set_rule(session, "127.0.0.9:8080", "limit", now=node.now)
        decisions = await decisions_for(session, domains)
    assert {d for d in domains if not decisions[d].federates} == {
        "bad.example",
        "a.bad.example",
        "x.wild.example",
    }
    assert {d for d in domains if decisions[d].federates and decisions[d].limited} == {
        "127.0.0.9:8080"
    }


async def test_pages_skip_over_runs_of_hidden_posts(world: World) -> None:
    """A page holding only suspended domains' posts is run again without them, as often as
    it takes; the cursor then carries on after what was shown."""
    node = world.node
    async with node.sessions.begin() as session:
        circle_actor = await session.scalar(select(Actor).where(Actor.handle_key == "circle"))
        circle = await session.scalar(
            select(Group).where(Group.actor_id == (circle_actor.id if circle_actor else -1))
        )
        assert circle is not None
        for i in range(7):  # newer than everything else, each from its own suspended domain
            domain = f"spam{i}.example"
            author = await remote(session, "spammer", domain, ActorKind.PERSON, node.now)
            assert circle_actor is not None
            await remote_members.request_to_join(
                session,
                circle_actor,
                circle,
                author,
                follow_uri=f"https://{domain}/f",
                now=node.now,
            )
            await remote_posts.store_remote_post(
                session,
                uri=f"https://{domain}/p/1",
                author=author,
                group=circle,
                in_reply_to_uri=None,
                title=f"spam {i}",
                content_html="<p>buy</p>",
                content_warning="",
                language="en",
                published_at=node.now + timedelta(hours=i + 1),
                edited_at=None,
                now=node.now,
            )
            await storage.set_rule(session, domain, "suspend", now=node.now)

    async def page(cursor: str | None) -> tuple[list[str], str | None]:
        listed = await node.run(
            lambda s: reading.list_threads(
                s, node.site, world.ann, "circle", cursor=cursor, limit=2
            )
        )
        return [p.public_id for p in listed.items], listed.next_cursor

    first, cursor = await page(None)
    assert len(first) == 2
    rest, end = await page(cursor)
    assert (set(first) | set(rest), end) == ({world.thread, world.by_pat, world.by_lou}, None)


async def test_node_staff_see_nothing_more_of_a_suspended_domain(world: World) -> None:
    sam = await world.node.member("sam", role=NodeRole.ADMIN)
    await world.change(suspend("bad.example", world.node.now))
    assert world.by_pat not in await world.thread_ids(sam)
    assert not await world.shown(sam, world.by_pat)
