"""The delivery outbox and worker against real loopback inboxes, on both databases.

Time is a ``FakeClock`` the tests move forward, never a sleep; the inboxes
(``tests.federation.fake_inbox``) verify every signature with our verifiers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.delivery import claims, outcomes, sender
from federation.delivery.destinations import host_of, learn_standards
from federation.delivery.worker import DeliveryConfig, DeliveryWorker, mark_host_alive
from federation.outbox.enqueue import (
    SUSPENDED_ERROR,
    drop_deliveries_of,
    enqueue,
    purge_finished,
)
from federation.remote.http import Egress, client_session
from federation.signing.keys import PublicKey
from federation.signing.keystore import LocalKeys, local_keys
from federation.tables import Delivery, Destination, OutgoingActivity, QueueState
from node.kinds import ActorKind
from node.storage.models.actors import Actor
from tests.federation.fake_inbox import FakeInbox, Reply

ACTOR_URI = "http://node.test/groups/circle"
TEST_CONFIG = DeliveryConfig(
    max_in_flight=16, max_per_host=4, batch_size=16, total_timeout=10.0, breaker_threshold=3
)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    clock: FakeClock
    http: aiohttp.ClientSession
    actor_id: int
    keys: LocalKeys
    inboxes: list[FakeInbox] = field(default_factory=list)
    serial: int = 0

    def worker(self, config: DeliveryConfig = TEST_CONFIG) -> DeliveryWorker:
        return DeliveryWorker(self.sessions, self.http, self.clock, config)

    async def inbox(self, *, refuse: str | None = None) -> FakeInbox:
        keys: dict[str, PublicKey] = {
            self.keys.rsa_key_id: self.keys.rsa.public_key(),
            self.keys.ed25519_key_id: self.keys.ed25519.public_key(),
        }
        inbox = FakeInbox(keys, self.clock, refuse=refuse)
        await inbox.start()
        self.inboxes.append(inbox)
        return inbox

    async def publish(
        self, inboxes: list[str], *, kind: str = "Create", object_uri: str | None = None
    ) -> OutgoingActivity:
        self.serial += 1
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{ACTOR_URI}/activities/{self.serial}",
            "type": kind,
            "actor": ACTOR_URI,
            "object": object_uri or f"{ACTOR_URI}/posts/{self.serial}",
        }
        async with self.sessions.begin() as session:
            return await enqueue(
                session,
                actor_id=self.actor_id,
                activity=activity,
                inboxes=inboxes,
                object_uri=object_uri,
                now=self.clock(),
            )

    async def deliveries(self) -> list[Delivery]:
        async with self.sessions() as session:
            return list(await session.scalars(select(Delivery).order_by(Delivery.id)))

    async def destination(self, inbox: FakeInbox) -> Destination:
        async with self.sessions() as session:
            row = await session.get(Destination, inbox.host)
        assert row is not None
        return row

    async def drain(self, worker: DeliveryWorker) -> int:
        """Run batches until nothing is due now; the number of rows attempted."""
        total = 0
        for _ in range(50):
            attempted = await worker.run_once()
            if not attempted:
                return total
            total += attempted
        raise AssertionError("the queue did not drain in 50 batches")


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession], now: datetime) -> AsyncIterator[World]:
    async with sessions.begin() as session:
        actor = Actor(
            uri=ACTOR_URI,
            kind=ActorKind.GROUP,
            local=True,
            handle="circle",
            handle_key="circle",
            domain="node.test",
            created_at=now,
            updated_at=now,
        )
        session.add(actor)
        await session.flush()
        keys = await local_keys(session, actor, now=now)
    egress = Egress(allow_private_addresses=True, allow_http=True)
    http = client_session(egress, user_agent=TEST_CONFIG.user_agent, limit=16)
    result = World(sessions, FakeClock(now), http, actor.id, keys)
    yield result
    await http.close()
    for inbox in result.inboxes:
        await inbox.close()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds; a deadline, not a sleep, bounds the wait."""
    deadline = time.monotonic() + 10
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.01)


# -- the outbox ---------------------------------------------------------------------------


async def test_enqueue_stores_the_activity_once_and_one_row_per_distinct_inbox(
    world: World,
) -> None:
    a, b = "http://a.example/inbox", "https://B.example:443/shared"
    outgoing = await world.publish([a, b, a, a, b], object_uri="http://node.test/p/1")
    rows = await world.deliveries()
    assert [(r.inbox, r.host, r.state) for r in rows] == [
        (a, "a.example", QueueState.QUEUED),
        (b, "b.example", QueueState.QUEUED),
    ]
    assert {r.activity_id for r in rows} == {outgoing.id}
    assert {r.object_uri for r in rows} == {"http://node.test/p/1"}
    assert all(r.next_attempt_at == world.clock() and r.attempts == 0 for r in rows)
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutgoingActivity)) == 1
    assert json.loads(outgoing.payload)["id"] == outgoing.uri


async def test_enqueue_is_part_of_the_callers_transaction(world: World) -> None:
    activity = {"id": f"{ACTOR_URI}/activities/rolled-back", "type": "Create"}
    async with world.sessions() as session:
        await enqueue(
            session,
            actor_id=world.actor_id,
            activity=activity,
            inboxes=["http://a.example/inbox"],
            object_uri=None,
            now=world.clock(),
        )
        await session.rollback()
    assert await world.deliveries() == []


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.COM/inbox", "example.com"),
        ("https://example.com:443/inbox", "example.com"),
        ("http://example.com:80/inbox", "example.com"),
        ("http://127.0.0.1:8081/inbox", "127.0.0.1:8081"),
        ("https://[::1]:8443/inbox", "[::1]:8443"),
    ],
)
def test_host_keys_drop_default_ports_and_case(url: str, host: str) -> None:
    assert host_of(url) == host


# -- sending ------------------------------------------------------------------------------


async def test_an_activity_is_delivered_once_with_a_valid_signature(world: World) -> None:
    inbox = await world.inbox()
    outgoing = await world.publish([inbox.url("/users/ana/inbox")])
    assert await world.drain(world.worker()) == 1
    [request] = inbox.received
    assert request.verified, request.problem
    assert request.standard == "cavage"  # the first knock to a host not known for RFC 9421
    assert request.key_id == world.keys.rsa_key_id
    assert request.content_type == "application/activity+json"
    assert request.activity == json.loads(outgoing.payload)
    [row] = await world.deliveries()
    assert (row.state, row.attempts, row.last_status) == (QueueState.DONE, 1, 202)
    assert row.finished_at == world.clock()
    assert row.claimed_until is None
    host = await world.destination(inbox)
    assert host.signature_standard is None  # nothing learnt: draft-cavage is the default
    assert host.last_success_at == world.clock()
    world.clock.advance(days=1)
    assert await world.drain(world.worker()) == 0
    assert len(inbox.received) == 1


async def test_deduplicated_inboxes_get_one_request_each(world: World) -> None:
    one, two = await world.inbox(), await world.inbox()
    shared, other = one.url("/inbox"), two.url("/inbox")
    await world.publish([shared, shared, other, shared])
    assert await world.drain(world.worker()) == 2
    assert (one.paths(), two.paths()) == (["/inbox"], ["/inbox"])


async def test_a_503_is_retried_after_the_backoff(world: World) -> None:
    inbox = await world.inbox()
    inbox.script(Reply(503))
    await world.publish([inbox.url()])
    worker = world.worker()
    assert await worker.run_once() == 1
    [row] = await world.deliveries()
    assert (row.state, row.attempts, row.last_status) == (QueueState.QUEUED, 1, 503)
    assert row.last_error is not None
    assert row.last_error.startswith("HTTP 503")
    delay = row.next_attempt_at - world.clock()
    assert timedelta(seconds=30) <= delay < timedelta(seconds=38)
    assert await worker.run_once() == 0  # not due yet
    world.clock.advance(seconds=38)
    assert await worker.run_once() == 1
    [row] = await world.deliveries()
    assert (row.state, row.attempts, row.last_status) == (QueueState.DONE, 2, 202)
    assert [r.status for r in inbox.received] == [503, 202]


async def test_retry_after_is_honoured_for_the_row_and_its_host(world: World) -> None:
    inbox = await world.inbox()
    inbox.script(Reply(503, retry_after="120"))
    await world.publish([inbox.url()])
    worker = world.worker()
    assert await worker.run_once() == 1
    [row] = await world.deliveries()
    assert row.next_attempt_at == world.clock() + timedelta(seconds=120)
    assert (await world.destination(inbox)).backoff_until == row.next_attempt_at
    await world.publish([inbox.url("/other")])  # new work waits for the host too
    world.clock.advance(seconds=119)
    assert await worker.run_once() == 0
    world.clock.advance(seconds=1)
    assert await world.drain(worker) == 2
    assert {r.state for r in await world.deliveries()} == {QueueState.DONE}


async def test_a_429_is_retried_without_counting_the_attempt(world: World) -> None:
    inbox = await world.inbox()
    inbox.script(Reply(429, retry_after="1"), Reply(429, retry_after="1"))
    await world.publish([inbox.url()])
    worker = world.worker()
    for _ in range(2):
        assert await worker.run_once() == 1
        world.clock.advance(seconds=1)
    [row] = await world.deliveries()
    assert (row.state, row.attempts, row.last_status) == (QueueState.QUEUED, 0, 429)
    assert await worker.run_once() == 1
    [row] = await world.deliveries()
    assert (row.state, row.attempts) == (QueueState.DONE, 1)


async def test_a_410_fails_at_once_and_is_never_retried(world: World) -> None:
    inbox = await world.inbox()
    inbox.script(Reply(410))
    await world.publish([inbox.url()])
    worker = world.worker()
    assert await worker.run_once() == 1
    [row] = await world.deliveries()
    assert (row.state, row.attempts, row.last_status) == (QueueState.FAILED, 1, 410)
    assert row.finished_at == world.clock()
    world.clock.advance(days=4)
    assert await worker.run_once() == 0
    assert len(inbox.received) == 1
    # A 410 proves the host alive: no failure streak.
    assert (await world.destination(inbox)).consecutive_failures == 0


async def _known_for_rfc9421(world: World, inbox: FakeInbox, standard: str = "rfc9421") -> None:
    async with world.sessions.begin() as session:
        await learn_standards(session, {inbox.host: standard})


async def test_a_host_known_for_rfc9421_gets_it_first(world: World) -> None:
    inbox = await world.inbox()
    await _known_for_rfc9421(world, inbox)
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [(r.standard, r.status) for r in inbox.received] == [("rfc9421", 202)]
    assert inbox.received[0].verified, inbox.received[0].problem
    assert (await world.destination(inbox)).signature_standard == "rfc9421"


async def test_a_host_refusing_rfc9421_gets_draft_cavage_and_it_is_remembered(
    world: World,
) -> None:
    inbox = await world.inbox(refuse="rfc9421")
    await _known_for_rfc9421(world, inbox)
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [(r.standard, r.status) for r in inbox.received] == [("rfc9421", 401), ("cavage", 202)]
    assert inbox.received[1].verified, inbox.received[1].problem
    assert (await world.destination(inbox)).signature_standard == "cavage"
    [row] = await world.deliveries()
    assert (row.state, row.attempts) == (QueueState.DONE, 1)
    # A new worker (nothing cached in memory) knocks once, with draft-cavage,
    # and a later RFC 9421 request from the host does not undo what it told us.
    await _known_for_rfc9421(world, inbox)
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [r.standard for r in inbox.received[2:]] == ["cavage"]


async def test_a_host_known_for_ed25519_gets_an_ed25519_rfc9421_signature(world: World) -> None:
    inbox = await world.inbox()
    await _known_for_rfc9421(world, inbox, "ed25519")
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    [request] = inbox.received
    assert (request.standard, request.status, request.key_id) == (
        "ed25519",
        202,
        world.keys.ed25519_key_id,
    )
    assert request.verified, request.problem
    assert (await world.destination(inbox)).signature_standard == "ed25519"


async def test_a_host_refusing_ed25519_gets_draft_cavage_and_it_is_remembered(
    world: World,
) -> None:
    inbox = await world.inbox(refuse="ed25519")
    await _known_for_rfc9421(world, inbox, "ed25519")
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [(r.standard, r.status) for r in inbox.received] == [("ed25519", 401), ("cavage", 202)]
    assert (await world.destination(inbox)).signature_standard == "cavage"
    # What the host advertises later does not outrank its refusal.
    await _known_for_rfc9421(world, inbox, "ed25519")
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [r.standard for r in inbox.received[2:]] == ["cavage"]


@pytest.mark.parametrize(
    ("known", "learnt", "result"),
    [
        (None, "rfc9421", "rfc9421"),
        (None, "ed25519", "ed25519"),
        ("rfc9421", "ed25519", "ed25519"),
        ("ed25519", "rfc9421", "ed25519"),
        ("cavage", "rfc9421", "cavage"),
        ("cavage", "ed25519", "cavage"),
    ],
)
async def test_what_a_host_signs_with_or_advertises_only_raises_its_standard(
    world: World, known: str | None, learnt: str, result: str
) -> None:
    inbox = await world.inbox()
    async with world.sessions.begin() as session:
        session.add(Destination(host=inbox.host, signature_standard=known))
    await _known_for_rfc9421(world, inbox, learnt)
    assert (await world.destination(inbox)).signature_standard == result


async def test_a_host_refusing_draft_cavage_gets_rfc9421_and_it_is_remembered(
    world: World,
) -> None:
    inbox = await world.inbox(refuse="cavage")
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [(r.standard, r.status) for r in inbox.received] == [("cavage", 401), ("rfc9421", 202)]
    assert inbox.received[1].verified, inbox.received[1].problem
    assert (await world.destination(inbox)).signature_standard == "rfc9421"
    await world.publish([inbox.url()])
    assert await world.drain(world.worker()) == 1
    assert [r.standard for r in inbox.received[2:]] == ["rfc9421"]


async def test_a_host_refusing_both_signatures_is_retried_not_remembered(world: World) -> None:
    inbox = await world.inbox()
    inbox.script(Reply(401), Reply(401))
    await world.publish([inbox.url()])
    assert await world.worker().run_once() == 1
    assert [(r.standard, r.status) for r in inbox.received] == [("cavage", 401), ("rfc9421", 401)]
    assert (await world.destination(inbox)).signature_standard is None
    [row] = await world.deliveries()
    assert (row.state, row.last_status) == (QueueState.QUEUED, 401)


async def test_activities_about_one_object_keep_their_order_with_several_in_flight(
    world: World,
) -> None:
    inbox = await world.inbox()
    inbox.hold_until_concurrent(3)
    target = inbox.url("/shared")
    objects = [f"{ACTOR_URI}/posts/o{n}" for n in range(3)]
    for kind in ("Create", "Update", "Delete"):
        for uri in objects:
            await world.publish([target], kind=kind, object_uri=uri)
    assert await world.drain(world.worker()) == 9
    assert inbox.max_concurrent == 3
    for uri in objects:
        kinds = [r.activity["type"] for r in inbox.received if r.activity["object"] == uri]
        assert kinds == ["Create", "Update", "Delete"]
    assert all(r.status == 202 for r in inbox.received)


async def test_a_failed_create_holds_back_its_update_until_it_is_delivered(
    world: World,
) -> None:
    inbox = await world.inbox()
    uri = f"{ACTOR_URI}/posts/held"
    inbox.script_for(lambda _, activity: activity["object"] == uri, Reply(503))
    await world.publish([inbox.url()], kind="Create", object_uri=uri)
    await world.publish([inbox.url()], kind="Update", object_uri=uri)
    await world.publish([inbox.url()], kind="Create")  # another object: not held back
    worker = world.worker()
    assert await worker.run_once() == 2
    assert await worker.run_once() == 0
    world.clock.advance(minutes=1)
    assert await world.drain(worker) == 2
    kinds = [r.activity["type"] for r in inbox.received if r.activity["object"] == uri]
    assert kinds == ["Create", "Create", "Update"]


async def test_updates_waiting_behind_creates_in_retry_do_not_starve_the_queue(
    world: World,
) -> None:
    """More waiting rows than a claim reads at once must not hide the rows that may go:
    before, they stayed first in due order and every claim read only them."""
    inbox = await world.inbox()
    objects = [f"{ACTOR_URI}/posts/w{n}" for n in range(10)]
    for uri in objects:
        await world.publish([inbox.url()], kind="Create", object_uri=uri)
        await world.publish([inbox.url()], kind="Update", object_uri=uri)
    async with world.sessions.begin() as session:  # the Creates failed once; retried in an hour
        await session.execute(
            update(Delivery)
            .where(
                Delivery.activity_id.in_(
                    select(OutgoingActivity.id).where(OutgoingActivity.payload.contains('"Create"'))
                )
            )
            .values(attempts=1, next_attempt_at=world.clock() + timedelta(hours=1))
        )
    world.clock.advance(seconds=1)
    await world.publish([inbox.url()], kind="Create")  # another object, queued last
    narrow = replace(TEST_CONFIG, claim_window=8)
    assert await world.worker(narrow).run_once() == 1
    assert [r.activity["type"] for r in inbox.received] == ["Create"]
    world.clock.advance(hours=1)
    assert await world.drain(world.worker(narrow)) == 20
    for uri in objects:
        kinds = [r.activity["type"] for r in inbox.received if r.activity["object"] == uri]
        assert kinds == ["Create", "Update"]


async def test_a_row_left_waiting_for_a_finished_one_is_released_by_the_next_sweep(
    world: World,
) -> None:
    """On PostgreSQL an Update may be queued while its Create finishes in a concurrent
    transaction that cannot see it, so nothing releases it then; a worker's sweep does."""
    inbox = await world.inbox()
    uri = f"{ACTOR_URI}/posts/stranded"
    create = await world.publish([inbox.url()], kind="Create", object_uri=uri)
    await world.publish([inbox.url()], kind="Update", object_uri=uri)
    rows = await world.deliveries()
    assert rows[1].after_id == rows[0].id
    async with world.sessions.begin() as session:  # finished elsewhere, without releasing
        await session.execute(
            update(Delivery)
            .where(Delivery.activity_id == create.id)
            .values(state=QueueState.DONE, finished_at=world.clock())
        )
    assert await world.worker(replace(TEST_CONFIG, sweep_interval=3600)).run_once() == 1
    assert [r.activity["type"] for r in inbox.received] == ["Update"]
    assert [r.after_id for r in await world.deliveries()] == [None, None]


async def test_the_breaker_opens_probes_and_catches_up_while_other_hosts_flow(
    world: World,
) -> None:
    dead, alive = await world.inbox(), await world.inbox()
    dead.script(*[Reply(503)] * 4)
    for _ in range(3):
        await world.publish([dead.url(), alive.url()])
    worker = world.worker()
    assert await worker.run_once() == 6
    host = await world.destination(dead)
    assert host.consecutive_failures == 3 == TEST_CONFIG.breaker_threshold
    assert host.backoff_until == world.clock() + TEST_CONFIG.breaker_base
    assert len(alive.received) == 3
    # While open: nothing goes to the dead host, the other host is unaffected.
    await world.publish([dead.url(), alive.url()])
    world.clock.advance(seconds=29)
    assert await world.drain(worker) == 1
    assert (len(dead.received), len(alive.received)) == (3, 4)
    # Half-open: a single probe, which fails and reopens it for longer.
    world.clock.advance(seconds=40)
    assert await worker.run_once() == 1
    assert len(dead.received) == 4
    host = await world.destination(dead)
    assert host.backoff_until == world.clock() + 2 * TEST_CONFIG.breaker_base
    # The next probe succeeds: every queued row to the host is due at once.
    world.clock.advance(minutes=1)
    assert await worker.run_once() == 1
    host = await world.destination(dead)
    assert (host.consecutive_failures, host.backoff_until) == (0, None)
    assert await worker.run_once() == 3
    assert {r.state for r in await world.deliveries()} == {QueueState.DONE}


async def test_a_success_clears_a_streak_another_worker_recorded_since_it_last_saw_the_host(
    world: World,
) -> None:
    """A worker skips rewriting a host it recorded healthy moments ago, but not the
    reset of a failure streak that another worker recorded in between."""
    inbox = await world.inbox()
    worker = world.worker()
    await world.publish([inbox.url()])
    assert await worker.run_once() == 1  # the host is healthy, as this worker knows
    inbox.gate = asyncio.Event()
    await world.publish([inbox.url()])
    sending = asyncio.create_task(worker.run_once())  # claimed while the host is healthy

    async def hanging() -> bool:
        return len(inbox.received) == 2

    await eventually(hanging, "the second request reaches the host")
    async with world.sessions.begin() as session:  # meanwhile, another worker's failures
        host = await session.get(Destination, inbox.host)
        assert host is not None
        host.consecutive_failures, host.failing_since = 2, world.clock()
    inbox.gate.set()
    assert await sending == 1
    host = await world.destination(inbox)
    assert (host.consecutive_failures, host.failing_since) == (0, None)


async def test_a_host_s_last_success_is_refreshed_at_most_every_half_minute(
    world: World,
) -> None:
    inbox = await world.inbox()
    worker = world.worker()
    started = world.clock()
    for seconds in (0, 10, 25, 31):
        world.clock.now = started + timedelta(seconds=seconds)
        await world.publish([inbox.url()])
        assert await worker.run_once() == 1
        if seconds == 25:
            assert (await world.destination(inbox)).last_success_at == started
    assert (await world.destination(inbox)).last_success_at == started + timedelta(seconds=31)


async def test_a_host_failing_for_a_week_is_unreachable_until_it_is_seen_alive(
    world: World,
) -> None:
    config = replace(TEST_CONFIG, unreachable_after=timedelta(days=7))
    dead = await world.inbox()
    dead.script(*[Reply(502)] * 2)
    await world.publish([dead.url("/first")])
    worker = world.worker(config)
    assert await worker.run_once() == 1
    world.clock.advance(days=7)
    await world.publish([dead.url("/second")])
    assert await worker.run_once() == 1  # the oldest due row probes, and fails
    host = await world.destination(dead)
    assert host.unreachable_since == world.clock()
    rows = await world.deliveries()
    assert [(r.state, r.last_error) for r in rows] == [
        (QueueState.FAILED, "host unreachable; not sent")
    ] * 2
    await world.publish([dead.url("/third")])  # not even queued
    [*_, third] = await world.deliveries()
    assert third.state == QueueState.FAILED
    world.clock.advance(days=1)
    assert await worker.run_once() == 0
    assert len(dead.received) == 2
    async with world.sessions.begin() as session:
        assert await mark_host_alive(session, dead.host, world.clock())
    async with world.sessions.begin() as session:
        assert not await mark_host_alive(session, dead.host, world.clock())
    await world.publish([dead.url("/fourth")])
    assert await worker.run_once() == 1
    assert dead.paths()[-1] == "/fourth"


async def test_two_workers_never_claim_the_same_row(world: World) -> None:
    inboxes = [await world.inbox() for _ in range(4)]
    for n in range(10):
        await world.publish([i.url(f"/inbox/{n}") for i in inboxes])
    first, second = world.worker(), world.worker()
    totals = await asyncio.gather(world.drain(first), world.drain(second))
    assert sum(totals) == 40
    assert all(sorted(i.paths()) == sorted(f"/inbox/{n}" for n in range(10)) for i in inboxes)


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_its_in_flight(
    world: World,
) -> None:
    fast, slow = await world.inbox(), await world.inbox()
    slow.gate = asyncio.Event()  # the slow host hangs until the gate opens
    for n in range(12):
        await world.publish([fast.url(f"/in/{n}"), slow.url(f"/in/{n}")])
    stop = asyncio.Event()
    victim = asyncio.create_task(world.worker().run(stop))

    async def fast_done_and_slow_hanging() -> bool:
        rows = await world.deliveries()
        done = [r for r in rows if r.host == fast.host and r.state == QueueState.DONE]
        return len(done) == 12 and len(slow.received) == TEST_CONFIG.max_per_host

    await eventually(fast_done_and_slow_hanging, "the fast host is served and the slow one hangs")
    in_flight = set(slow.paths())
    victim.cancel()  # kill -9, as far as the database can tell: nothing more is recorded
    with pytest.raises(asyncio.CancelledError):
        await victim
    slow.gate.set()
    rows = await world.deliveries()
    assert sum(r.claimed_until is not None for r in rows) == len(in_flight)
    # Rows in flight leave due order until their lease ends: claims never walk past them.
    leased = [r for r in rows if r.claimed_until is not None]
    assert all(r.next_attempt_at == r.claimed_until for r in leased)

    world.clock.advance(seconds=TEST_CONFIG.lease.total_seconds() - 1)
    survivor = world.worker()
    assert await world.drain(survivor) == 12 - len(in_flight)  # leases still held
    world.clock.advance(seconds=2)
    assert await world.drain(survivor) == len(in_flight)
    assert {r.state for r in await world.deliveries()} == {QueueState.DONE}
    assert sorted(fast.paths()) == sorted(f"/in/{n}" for n in range(12))
    counts = Counter(slow.paths())
    assert set(counts) == {f"/in/{n}" for n in range(12)}
    assert {path for path, count in counts.items() if count > 1} == in_flight


async def test_rows_changed_between_picking_and_locking_are_not_claimed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker may lease, finish or reschedule a row after this one picked it."""
    inbox = await world.inbox()
    await world.publish([inbox.url(f"/in/{n}") for n in range(4)])
    rows = await world.deliveries()
    leased, done, later, due = (r.id for r in rows)
    async with world.sessions.begin() as session:
        for row_id, values in (
            (leased, {"claimed_until": world.clock() + timedelta(minutes=1)}),
            (done, {"state": QueueState.DONE}),
            (later, {"next_attempt_at": world.clock() + timedelta(minutes=1)}),
        ):
            await session.execute(update(Delivery).where(Delivery.id == row_id).values(**values))

    async def stale_pick(*args: Any, **kwargs: Any) -> list[int]:
        return [leased, done, later, due]  # as picked before the other worker's changes

    monkeypatch.setattr(claims, "_pick", stale_pick)
    assert await world.worker().run_once() == 1
    assert inbox.paths() == ["/in/3"]


async def test_run_delivers_what_is_queued_and_stops_when_asked(world: World) -> None:
    inbox = await world.inbox()
    worker = world.worker()
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await world.publish([inbox.url(f"/in/{n}") for n in range(20)])
    worker.notify()

    async def all_done() -> bool:
        return {r.state for r in await world.deliveries()} == {QueueState.DONE}

    await eventually(all_done, "every row is delivered")
    stop.set()
    await running
    assert sorted(inbox.paths()) == sorted(f"/in/{n}" for n in range(20))


async def test_answers_arriving_one_by_one_are_recorded_together(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fan-out's answers come in one by one; each used to be a transaction of its own."""
    inbox = await world.inbox()
    recorded: list[int] = []
    real_record, real_post = outcomes.record, sender.post_activity

    async def counting(session: AsyncSession, batch: list[Any], *args: Any) -> None:
        recorded.append(len(batch))
        await real_record(session, batch, *args)

    async def staggered(http: aiohttp.ClientSession, url: str, *args: Any, **kwargs: Any) -> Any:
        result = await real_post(http, url, *args, **kwargs)
        await asyncio.sleep(0.03 * int(url.rsplit("/", 1)[1]))  # answers 30 ms apart
        return result

    monkeypatch.setattr("federation.delivery.worker.record", counting)
    monkeypatch.setattr("federation.delivery.worker.post_activity", staggered)
    worker = world.worker(replace(TEST_CONFIG, max_per_host=16, record_after=0.5, idle_sleep=2.0))
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await world.publish([inbox.url(f"/in/{n}") for n in range(6)])
    worker.notify()

    async def all_done() -> bool:
        return {r.state for r in await world.deliveries()} == {QueueState.DONE}

    await eventually(all_done, "every row is delivered")
    assert recorded == [6]  # one transaction, within record_after of the first answer
    await world.publish([inbox.url("/in/0")])
    worker.notify()
    await eventually(all_done, "the next row is delivered")
    stop.set()
    await running
    assert recorded == [6, 1]
    with pytest.raises(ValueError, match="record_after"):
        DeliveryConfig(record_after=-1)


async def test_purge_removes_finished_rows_past_their_retention(world: World) -> None:
    inbox = await world.inbox()
    inbox.script_for(lambda path, _: path == "/gone", Reply(404))
    await world.publish([inbox.url("/gone")])
    await world.publish([inbox.url("/ok")])
    await world.drain(world.worker())
    world.clock.advance(days=8)
    await world.publish([inbox.url("/later")])
    async with world.sessions.begin() as session:
        purged = await purge_finished(
            session,
            done_before=world.clock() - timedelta(days=7),
            failed_before=world.clock() - timedelta(days=30),
        )
    assert purged == 1
    rows = await world.deliveries()
    assert [(r.inbox.rsplit("/", 1)[1], r.state) for r in rows] == [
        ("gone", QueueState.FAILED),
        ("later", QueueState.QUEUED),
    ]
    async with world.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutgoingActivity)) == 2


async def test_a_running_worker_purges_rows_past_keeping_in_bounded_batches(
    world: World,
) -> None:
    """Before, nothing called the purge: every delivery ever made stayed in the table."""
    inbox = await world.inbox()
    inbox.script_for(lambda path, _: path == "/gone", Reply(410))
    await world.publish([inbox.url("/gone")])
    await world.publish([inbox.url(f"/old/{n}") for n in range(5)])
    await world.drain(world.worker())
    world.clock.advance(days=8)
    await world.publish([inbox.url("/new")])
    await world.drain(world.worker())
    config = replace(TEST_CONFIG, purge_batch=2)  # 5 rows to purge: batches of 2, 2, 1
    stop = asyncio.Event()
    running = asyncio.create_task(world.worker(config).run(stop))

    async def purged() -> bool:
        return len(await world.deliveries()) == 2

    await eventually(purged, "the delivered rows older than a week are purged")
    stop.set()
    await running
    rows = await world.deliveries()
    assert [(r.inbox.rsplit("/", 1)[1], r.state) for r in rows] == [
        ("gone", QueueState.FAILED),  # failed rows are kept a month
        ("new", QueueState.DONE),
    ]
    async with world.sessions() as session:  # the old activity went with its last row
        assert await session.scalar(select(func.count()).select_from(OutgoingActivity)) == 2


def test_the_config_refuses_a_lease_shorter_than_two_requests() -> None:
    with pytest.raises(ValueError, match="lease"):
        DeliveryConfig(total_timeout=60.0)


async def test_enqueue_refuses_an_activity_without_an_id(world: World) -> None:
    bad: dict[str, Any] = {"type": "Create"}
    async with world.sessions.begin() as session:
        with pytest.raises(ValueError, match="id"):
            await enqueue(
                session,
                actor_id=world.actor_id,
                activity=bad,
                inboxes=[],
                object_uri=None,
                now=world.clock(),
            )


async def test_failing_hosts_get_one_probe_each_and_a_small_share_of_slots(world: World) -> None:
    config = replace(TEST_CONFIG, max_in_flight=10, batch_size=10, suspect_share=0.2)
    failing = [await world.inbox() for _ in range(4)]
    healthy = await world.inbox()
    async with world.sessions.begin() as session:
        for inbox in failing:  # one failure each: not yet a breaker, but suspect
            session.add(Destination(host=inbox.host, consecutive_failures=1))
    for n in range(3):
        await world.publish([*(i.url(f"/{n}") for i in failing), healthy.url(f"/{n}")])
    assert await world.worker(config).run_once() == 2 + 3
    assert sorted(len(i.received) for i in failing) == [0, 0, 1, 1]
    assert len(healthy.received) == 3


async def test_a_refused_connection_is_retried_and_counts_against_the_host(world: World) -> None:
    gone = await world.inbox()
    await gone.close()  # nothing listens on its port any more
    await world.publish([gone.url()])
    assert await world.worker().run_once() == 1
    [row] = await world.deliveries()
    assert (row.state, row.attempts, row.last_status) == (QueueState.QUEUED, 1, None)
    assert row.last_error is not None
    assert "Connect" in row.last_error
    host = await world.destination(gone)
    assert (host.consecutive_failures, host.failing_since) == (1, world.clock())


async def test_a_host_that_never_answers_times_out_and_is_retried(world: World) -> None:
    hanging = await world.inbox()
    hanging.gate = asyncio.Event()
    await world.publish([hanging.url()])
    assert await world.worker(replace(TEST_CONFIG, total_timeout=0.1)).run_once() == 1
    [row] = await world.deliveries()
    assert (row.state, row.last_status) == (QueueState.QUEUED, None)
    assert row.last_error is not None
    assert "Timeout" in row.last_error


async def test_a_host_that_never_answers_gives_its_slots_back_to_the_others(
    world: World,
) -> None:
    """S5: a node that accepts connections and never answers must not hold the slots a
    fan-out needs until its requests time out; after ``overtime_after`` they free their
    slots, and the host gets nothing more until it answers."""
    config = replace(
        TEST_CONFIG, max_in_flight=4, batch_size=4, total_timeout=5.0, overtime_after=0.2
    )
    hanging, healthy = await world.inbox(), await world.inbox()
    hanging.gate = asyncio.Event()
    await world.publish([hanging.url(f"/{n}") for n in range(8)])  # the first claim: all 4 slots
    await world.publish([healthy.url(f"/{n}") for n in range(8)])
    worker = world.worker(config)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    started = time.monotonic()

    async def healthy_has_all() -> bool:
        return len(healthy.received) == 8

    await eventually(healthy_has_all, "the healthy host has every row")
    assert time.monotonic() - started < 2  # well before the hanging requests' 5 s timeout
    assert len(hanging.received) == 4
    assert hanging.host not in worker.slots_per_host()
    hanging.gate.set()
    stop.set()
    await running


async def test_a_suspended_senders_queued_deliveries_fail_and_nobody_elses(world: World) -> None:
    inbox = await world.inbox()
    await world.publish([inbox.url("/sent")])
    await world.drain(world.worker())
    await world.publish([inbox.url("/a"), inbox.url("/b")])
    async with world.sessions.begin() as session:
        other = Actor(
            uri="http://node.test/members/bo",
            kind=ActorKind.PERSON,
            local=True,
            handle="bo",
            handle_key="bo",
            domain="node.test",
            created_at=world.clock(),
            updated_at=world.clock(),
        )
        session.add(other)
        await session.flush()
        await enqueue(
            session,
            actor_id=other.id,
            activity={"id": "http://node.test/activities/bo", "type": "Create"},
            inboxes=[inbox.url("/c")],
            object_uri=None,
            now=world.clock(),
        )
    async with world.sessions.begin() as session:
        nobody = await drop_deliveries_of(session, "http://node.test/nobody", now=world.clock())
        dropped = await drop_deliveries_of(session, ACTOR_URI, now=world.clock())
    assert (nobody, dropped) == (0, 2)
    rows = await world.deliveries()
    assert [(r.inbox.rsplit("/", 1)[1], r.state, r.last_error) for r in rows] == [
        ("sent", QueueState.DONE, None),
        ("a", QueueState.FAILED, SUSPENDED_ERROR),
        ("b", QueueState.FAILED, SUSPENDED_ERROR),
        ("c", QueueState.QUEUED, None),
    ]


async def test_an_activity_of_a_remote_actor_is_failed_not_signed(world: World) -> None:
    inbox = await world.inbox()
    async with world.sessions.begin() as session:
        remote = Actor(
            uri="http://elsewhere.test/users/bo",
            kind=ActorKind.PERSON,
            local=False,
            handle="bo",
            handle_key="bo",
            domain="elsewhere.test",
            created_at=world.clock(),
            updated_at=world.clock(),
        )
        session.add(remote)
        await session.flush()
        await enqueue(
            session,
            actor_id=remote.id,
            activity={"id": "http://elsewhere.test/activities/1", "type": "Create"},
            inboxes=[inbox.url()],
            object_uri=None,
            now=world.clock(),
        )
    assert await world.worker().run_once() == 0
    [row] = await world.deliveries()
    assert (row.state, row.last_error) == (
        QueueState.FAILED,
        "the activity's actor has no local keys",
    )
    assert inbox.received == []
