"""Care in the domain: a care Flag from another node names only our members, a step back
ends by itself on its day, and a care report about a remote member on other software
stays here."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.actors import upsert_remote_actor
from node.events import EventKind
from node.kinds import ActorKind, ReportKind
from node.passwords import Passwords
from node.reports import care, care_messages, stepping_back
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.events import Event
from node.storage.models.posts import Post
from tests.node.factories import Node
from tests.node.test_reports import circle

FAR = "https://far.example"


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def _far_node(node: Node) -> Actor:
    return await node.run(
        lambda s: upsert_remote_actor(
            s,
            uri=f"{FAR}/actor",
            kind=ActorKind.APPLICATION,
            handle="far.example",
            domain="far.example",
            display_name="",
            summary="",
            reads_care_reports=True,
            now=node.now,
        )
    )


async def test_a_care_flag_cares_for_our_members_only_and_once(node: Node) -> None:
    _ana, ben, cat, post = await circle(node)
    sender = await _far_node(node)
    async with node.sessions.begin() as session:
        cat_actor = await session.scalar(select(Actor).where(Actor.handle == "cat"))
        post_uri = await session.scalar(select(Post.uri).where(Post.public_id == post.public_id))
        assert cat_actor is not None
        assert post_uri is not None
        made = await care.receive_care_flag(
            session,
            uri=f"{FAR}/reports/1",
            reporter=sender,
            # The post and its author: one report, one message; a stranger: nothing.
            targets=[post_uri, cat_actor.uri, f"{FAR}/users/someone"],
            now=node.now,
        )
        assert [(r.kind, r.target_uri, r.reason) for r in made] == [(ReportKind.CARE, post_uri, "")]
        again = await care.receive_care_flag(
            session, uri=f"{FAR}/reports/1", reporter=sender, targets=[post_uri], now=node.now
        )
        assert again == []
    assert len(await node.run(lambda s: care_messages.list_messages(s, cat))) == 1
    assert await node.run(lambda s: care_messages.list_messages(s, ben)) == []


async def test_a_care_report_about_someone_on_other_software_stays_here(node: Node) -> None:
    _ana, ben, _cat, _post = await circle(node)
    await node.run(
        lambda s: upsert_remote_actor(
            s,
            uri=f"{FAR}/u/picard",
            kind=ActorKind.PERSON,
            handle="picard",
            domain="far.example",
            display_name="",
            summary="",
            now=node.now,
        )
    )
    filed = await node.run(
        lambda s: care.file_care_report(s, node.site, ben, acct="picard@far.example", now=node.now)
    )
    assert filed.reach is care.CareReach.NOT_SENT
    async with node.sessions.begin() as session:
        filed_events = select(Event).where(Event.kind == EventKind.REPORT_FILED)
        assert (await session.scalars(filed_events)).all() == []  # nothing leaves


async def test_a_step_back_ends_by_itself_on_its_day(node: Node) -> None:
    ana, _ben, _cat, _post = await circle(node)
    until = node.now + timedelta(days=3)
    await node.run(lambda s: stepping_back.step_back(s, ana, until=until, now=node.now))
    during = node.now + timedelta(days=1)
    assert await node.run(lambda s: stepping_back.stepping_back(s, ana, now=during)) is not None
    after = node.now + timedelta(days=4)
    assert await node.run(lambda s: stepping_back.stepping_back(s, ana, now=after)) is None
