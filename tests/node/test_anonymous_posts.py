"""Anonymous posts in the domain: what reports, Flags and NodeInfo's counts say of them."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.actors import upsert_remote_actor
from node.kinds import ActorKind, NodeRole
from node.passwords import Passwords
from node.reports import filing, remote_reports, report_queue
from node.reports.report_views import ReportView
from node.site import Site
from node.stats import node_stats
from node.storage.models.groups import Group
from node.views import PostView, Viewer
from tests.node.factories import Node

FAR = "https://far.example"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _circle(node: Node) -> tuple[Viewer, Viewer, Viewer, PostView]:
    """``mo`` owns ``circle`` (anonymous posts allowed); ``cat`` posted anonymously in it."""
    mo, ben, cat = await node.member("mo"), await node.member("ben"), await node.member("cat")
    await node.group(mo, "circle")
    async with node.sessions.begin() as session:
        await session.execute(update(Group).values(allow_anonymous_posts=True))
    for member in (ben, cat):
        await node.join(member, "circle")
    return mo, ben, cat, await node.post(cat, "circle", "Buy my pills", anonymous=True)


async def _queue(node: Node, reader: Viewer) -> list[ReportView]:
    page = await node.run(lambda s: report_queue.list_reports(s, reader))
    return list(page.items)


async def test_a_report_of_an_anonymous_post_names_no_author(node: Node) -> None:
    mo, ben, _, post = await _circle(node)
    staff = await node.member("sam", role=NodeRole.ADMIN)
    made = await node.run(
        lambda s: filing.file_report(
            s, node.site, ben, post_id=post.public_id, reason="spam", now=node.now
        )
    )
    assert made.target_actor is None
    for reader in (mo, staff):
        assert [r.target_actor for r in await _queue(node, reader)] == [None]


async def test_a_flag_naming_an_anonymous_post_and_a_member_reads_the_same_whoever_wrote_it(
    node: Node,
) -> None:
    """A Flag of [post, member] makes a report of the member too, whether or not they wrote
    the post: otherwise the queue would tell the moderators who did."""
    _, _, _, post = await _circle(node)
    async with node.sessions.begin() as session:
        sender = await upsert_remote_actor(
            session,
            uri=f"{FAR}/actor",
            kind=ActorKind.APPLICATION,
            handle="instance",
            domain="far.example",
            display_name="",
            summary="",
            now=node.now,
        )
        made = {}
        for n, name in enumerate(("cat", "ben")):
            reports = await remote_reports.receive_flag(
                session,
                uri=f"{FAR}/flag/{n}",
                reporter=sender,
                targets=[post.uri, node.site.member_uri(name)],
                reason="bad",
                now=node.now,
            )
            made[name] = [(r.target_uri == post.uri, r.target_actor_id is None) for r in reports]
    assert made["cat"] == made["ben"] == [(True, True), (False, False)]


async def test_anonymous_posts_count_no_one_as_active(node: Node) -> None:
    """NodeInfo's active members: a small node's count going up would say who wrote."""
    before = await node.run(lambda s: node_stats(s, now=node.now))
    await _circle(node)
    after = await node.run(lambda s: node_stats(s, now=node.now))
    assert (before.active_month, after.active_month) == (0, 0)
    assert after.local_posts == before.local_posts + 1
