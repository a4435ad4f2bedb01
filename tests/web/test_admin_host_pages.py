"""The admin's page for one other node: how sending to it goes, what waits for it (newest
first, a page at a time), and Retry now / Drop pending, as a browser without JavaScript
meets them. For admins only; every form CSRF-checked; dropping asks first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.outbox.enqueue import DROPPED_ERROR, REFUSED_ERROR, enqueue
from federation.tables import Delivery, Destination, QueueState
from node.kinds import NodeRole
from node.passwords import Passwords
from node.site import Site
from tests.conftest import AiohttpClient, Client
from tests.node.factories import Node
from tests.web.test_moderation_pages import post_form, sign_in
from tests.web.test_pages import HTML, page
from web.app import create_app
from web.config import Settings
from web.pages import admin_hosts

FAR, NEAR = "far.example", "near.example"


async def queue_deliveries(session: AsyncSession, actor_id: int, now: datetime) -> None:
    """Three posts of a group on their way to two nodes; ``FAR`` is failing (its breaker
    open, its rows retried later), and has one delivery given up on and one refused."""
    for number in range(5):
        post = f"https://here.example/posts/{number}"
        activity = {
            "id": f"https://here.example/activities/{number}",
            "type": "Announce",
            "object": {"id": f"{post}#create", "type": "Create", "object": post},
        }
        inboxes = [f"https://{FAR}/inbox"] + ([f"https://{NEAR}/inbox"] if number < 3 else [])
        await enqueue(
            session, actor_id=actor_id, activity=activity, inboxes=inboxes, object_uri=post, now=now
        )
    far = Delivery.host == FAR
    await session.execute(
        update(Delivery)
        .where(far)
        .values(
            attempts=2, last_error="connection refused", next_attempt_at=now + timedelta(hours=1)
        )
    )
    for number, error in ((3, "timed out"), (4, REFUSED_ERROR)):
        await session.execute(
            update(Delivery)
            .where(far, Delivery.object_uri == f"https://here.example/posts/{number}")
            .values(state=QueueState.FAILED, last_error=error, finished_at=now)
        )
    session.add(
        Destination(
            host=FAR,
            consecutive_failures=6,
            failing_since=now - timedelta(hours=2),
            backoff_until=now + timedelta(minutes=5),
        )
    )


@pytest.fixture
async def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords
) -> Node:
    now = datetime.now(UTC)
    node = Node(sessions, site, passwords, now)
    admin = await node.member("ada", role=NodeRole.ADMIN)
    await node.member("mia")
    await node.run(lambda session: queue_deliveries(session, admin.actor_id, now))
    return node


@pytest.fixture
async def client(settings: Settings, aiohttp_client: AiohttpClient, passwords: Passwords) -> Client:
    """The node's pages, without a delivery worker racing the test for the queue."""
    app = create_app(replace(settings, embedded_worker=False), passwords=passwords)
    return await aiohttp_client(app)


async def test_an_admin_retries_then_drops_what_waits_for_a_failing_node(
    client: Client,
    node: Node,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    far_page = f"/admin/federation/hosts/{FAR}"
    await sign_in(client, "mia")
    for path in (far_page, f"{far_page}/drop"):
        assert (await page(client, path))[0] == 403
    await sign_in(client, "ada")
    assert (await page(client, "/admin/federation/hosts/not a host"))[0] == 404

    monkeypatch.setattr(admin_hosts, "PAGE_SIZE", 2)
    status, html = await page(client, far_page)
    assert status == 200
    assert "Paused after repeated failures, until" in html
    assert "(6 failures in a row)" in html
    assert "connection refused" in html
    assert html.count('<th scope="row">Announce Create</th>') == 2
    # Newest first, a page at a time.
    assert html.index("here.example/posts/2<") < html.index("here.example/posts/1<")
    assert "here.example/posts/0<" not in html
    next_page = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    _, html = await page(client, next_page.replace("&amp;", "&"))
    assert "here.example/posts/0<" in html
    assert 'rel="next"' not in html

    response = await client.post(f"{far_page}/retry", data={}, headers=HTML)
    assert response.status == 403  # no form token: nothing done
    status, location, _ = await post_form(client, far_page, f"{far_page}/retry", {})
    # The three waiting, and the one given up on (not the one refused by policy).
    assert (status, location) == (303, f"{far_page}?done=retried&count=4")
    _, html = await page(client, location)
    assert "4 deliveries are due now, and the breaker is closed." in html
    assert "Normal" in html
    async with sessions() as session:
        destination = await session.get(Destination, FAR)
        assert destination is not None
        assert (destination.consecutive_failures, destination.backoff_until) == (0, None)
        rows = await session.execute(
            select(Delivery.state, Delivery.attempts).where(Delivery.host == FAR)
        )
    # The one given up on starts again from its first attempt.
    assert sorted((state.value, attempts) for state, attempts in rows) == [
        ("failed", 2),
        ("queued", 0),
        ("queued", 2),
        ("queued", 2),
        ("queued", 2),
    ]

    _, html = await page(client, f"{far_page}/drop")
    assert "4 pending deliveries will not be sent." in html
    status, location, _ = await post_form(client, f"{far_page}/drop", f"{far_page}/drop", {})
    assert (status, location) == (303, f"{far_page}?done=dropped&count=4")
    _, html = await page(client, location)
    assert "4 pending deliveries were dropped." in html
    assert "Nothing waits to be sent to this node." in html
    async with sessions() as session:
        errors = await session.scalars(select(Delivery.last_error).where(Delivery.host == FAR))
        assert sorted(error or "" for error in errors) == [DROPPED_ERROR] * 4 + [REFUSED_ERROR]
        near = await session.scalars(select(Delivery.state).where(Delivery.host == NEAR))
        assert set(near) == {QueueState.QUEUED}  # other nodes' deliveries are untouched
