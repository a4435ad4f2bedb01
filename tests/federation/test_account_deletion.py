"""An account elsewhere deletes itself, as Lemmy and Mastodon send it (their captured
``Delete``s): what the inbox and its worker believe, and what a node lets go of."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.inbox.account_deletion import is_account_delete
from federation.inbox.queue import process_once
from federation.inbox.receive import InboxRefusal, Incoming, receive
from federation.inbox.writer import InboxRow
from federation.outbox.dispatch import dispatch_once
from federation.remote.actors import ActorDocument, RemoteKey, store_actor
from federation.remote.http import FetchError, FetchErrorKind
from federation.runtime import federation_runtime
from federation.signing import signatures
from federation.signing.keys import generate_rsa_key, public_key_to_pem
from federation.tables import (
    ActorKey,
    Delivery,
    InboxItem,
    OutgoingActivity,
    QueueState,
    RemoteActor,
)
from node import remote_members
from node.actors import find_actor_by_uri
from node.events import EventKind
from node.events import record as record_event
from node.federated.actors import actor_named
from node.kinds import ActorKind, Attendance, GroupRole, MembershipState
from node.meetings import guests, scheduling
from node.passwords import Passwords
from node.posts import remote_posts
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.meetings import Meeting
from node.storage.models.posts import Post
from tests.node.factories import Node
from tests.node.meeting_helpers import BASE
from tests.shared_fixtures import SHARED_FIXTURES, activitypub_fixture, extra_fixture
from web.config import Settings

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]

LEMMY = "lemmy/activities/deletion/delete_user.json"  # object: the actor's URI
MASTODON = "framasoft+mobilizon/test/fixtures/mastodon-delete-user.json"  # an embedded Person
MASTODON_SIGNED = "HelgeKrueger+bovine/tests/data/mastodon_delete_actor_1.json"  # LD-signed
GAMMA = "https://gamma.example/users/gil"  # a member on a third node


def _fixture(relative: str) -> dict[str, Any]:
    """A captured payload, from ``activitypub/`` or else ``activitypub-extra/``."""
    if (SHARED_FIXTURES / "activitypub" / relative).exists():
        return activitypub_fixture(relative)
    return extra_fixture(relative)


def _origin(uri: str) -> str:
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


@pytest.mark.parametrize("relative", [LEMMY, MASTODON, MASTODON_SIGNED])
def test_each_servers_deletion_of_an_account_is_read_as_one(relative: str) -> None:
    assert is_account_delete(_fixture(relative))


@pytest.mark.parametrize(
    "relative",
    [
        "mastodon/activities/delete.json",  # a status's Tombstone
        "lemmy/activities/deletion/delete_page.json",
        "lemmy/activities/deletion/remove_note.json",  # a moderator's removal
        "MbinOrg+mbin/tests/Unit/ActivityPub/Outbox/JsonSnapshots/DeleteTest__testDeleteUser__1.json",
    ],
)
def test_deletions_of_anything_else_are_not(relative: str) -> None:
    assert not is_account_delete(_fixture(relative))  # Mbin's snapshot has its ids scrubbed


def _document(uri: str, key: RSAPrivateKey | None) -> ActorDocument:
    origin = _origin(uri)
    keys = () if key is None else (RemoteKey(f"{uri}#main-key", uri, key.public_key()),)
    return ActorDocument(
        uri=uri,
        kind=ActorKind.PERSON,
        handle=uri.rsplit("/", 1)[1],
        display_name="",
        summary="",
        inbox=f"{uri}/inbox",
        shared_inbox=f"{origin}/inbox",
        outbox=None,
        followers=None,
        url=None,
        keys=keys,
    )


@dataclass
class World:
    """A node with the open group ``circle``: the account that will delete itself wrote a
    thread and a reply in it; a neighbour on its server and ``gil`` on gamma are members."""

    fed: Federation
    node: Node
    uri: str
    key: RSAPrivateKey

    async def item(self, activity: dict[str, Any], *, signed: bool = True) -> QueueState:
        """Queue ``activity`` as the inbox would (verified or not) and process it."""
        await self.fed.inbox_writer.write(
            InboxRow(
                activity_uri=activity["id"],
                actor_uri=activity["actor"],
                payload=json.dumps(activity),
                key_id=f"{self.uri}#main-key" if signed else "",
                received_at=NOW,
            )
        )
        while await process_once(self.fed):
            pass
        async with self.fed.sessions() as session:
            item = await session.scalar(
                select(InboxItem).where(InboxItem.activity_uri == activity["id"])
            )
            assert item is not None
            return item.state

    async def dispatch(self) -> None:
        async with self.fed.sessions.begin() as session:
            while await dispatch_once(session, self.fed.site, now=NOW):
                pass

    async def deliveries(self) -> list[tuple[str, str, QueueState, str | None]]:
        """(activity type, inbox, state, error) of every delivery, in order."""
        async with self.fed.sessions() as session:
            rows = await session.execute(
                select(
                    OutgoingActivity.payload, Delivery.inbox, Delivery.state, Delivery.last_error
                )
                .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
                .order_by(Delivery.id)
            )
            return [(json.loads(p)["type"], inbox, s, e) for p, inbox, s, e in rows]

    async def texts(self) -> list[str]:
        async with self.fed.sessions() as session:
            return list(await session.scalars(select(Post.content_html).order_by(Post.id)))


async def _world(fed: Federation, node: Node, uri: str) -> World:
    """The ``World`` for the account ``uri``, stored with its key as a fetch would store it."""
    key = generate_rsa_key()
    neighbour = f"{_origin(uri)}/users/neighbour"
    mo = await node.member("mo")
    await node.group(mo, "circle")
    async with fed.sessions.begin() as session:
        for who in (uri, neighbour, GAMMA):
            await store_actor(session, _document(who, key if who == uri else None), now=NOW)
        group_actor = await session.scalar(select(Actor).where(Actor.handle == "circle"))
        assert group_actor is not None
        group = await session.scalar(select(Group).where(Group.actor_id == group_actor.id))
        assert group is not None
        for who in (uri, neighbour, GAMMA):
            member = await find_actor_by_uri(session, who)
            assert member is not None
            await remote_members.request_to_join(
                session, group_actor, group, member, follow_uri=f"{who}/follow", now=NOW
            )
        author = await find_actor_by_uri(session, uri)
        assert author is not None
        for n, reply_to in ((1, None), (2, f"{uri}/notes/1")):
            await remote_posts.store_remote_post(
                session,
                uri=f"{uri}/notes/{n}",
                author=author,
                group=group,
                in_reply_to_uri=reply_to,
                title=None,
                content_html=f"<p>private {n}</p>",
                content_warning="",
                language="en",
                published_at=NOW,
                edited_at=None,
                now=NOW,
            )
    world = World(fed, node, uri, key)
    await world.dispatch()  # the Accepts (to each member's own inbox) and the Announces
    return world


@pytest.fixture
async def federation(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Federation]:
    open_settings = dataclasses.replace(settings, allow_private_addresses=True)
    async with federation_runtime(open_settings, sessions, lambda: NOW) as runtime:
        yield runtime.federation


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, passwords: Passwords
) -> Node:
    return Node(sessions, Site(settings.base_url), passwords, NOW)


@pytest.mark.parametrize("relative", [LEMMY, MASTODON, MASTODON_SIGNED])
async def test_a_signed_deletion_wipes_everything_of_the_account_and_lets_it_go(
    federation: Federation, node: Node, relative: str
) -> None:
    delete = _fixture(relative)
    world = await _world(federation, node, delete["actor"])
    own_inbox, shared = f"{world.uri}/inbox", f"{_origin(world.uri)}/inbox"
    assert ("Accept", own_inbox, QueueState.QUEUED, None) in await world.deliveries()

    assert await world.item(delete) is QueueState.DONE

    assert await world.texts() == ["", ""]  # the thread and the reply, tombstones now
    async with federation.sessions() as session:
        actor = await find_actor_by_uri(session, world.uri)
        assert actor is not None
        remote = await session.get_one(RemoteActor, actor.id)
        assert remote.deleted_at == NOW
        assert await session.scalar(select(func.count()).where(ActorKey.actor_id == actor.id)) == 0
        members = await session.scalar(select(func.count()).where(Membership.member_id == actor.id))
        assert members == 0
    # What was queued for its own inbox fails; its server's shared inbox, which its
    # neighbour still reads, keeps what was queued for it.
    deliveries = await world.deliveries()
    assert ("Accept", own_inbox, QueueState.FAILED, "its account was deleted") in deliveries
    assert ("Announce", shared, QueueState.QUEUED, None) in deliveries
    # The group announces the deletion of both posts to its members' nodes, as when an
    # author deletes a post, and nothing more to the account's own inbox.
    before = len(deliveries)
    await world.dispatch()
    new = (await world.deliveries())[before:]
    assert sorted((kind, inbox) for kind, inbox, _, _ in new) == sorted(
        [("Announce", shared), ("Announce", "https://gamma.example/inbox")] * 2
    )
    async with federation.sessions() as session:
        announced = await session.scalars(
            select(OutgoingActivity.payload).order_by(OutgoingActivity.id.desc()).limit(2)
        )
        inner = [json.loads(payload)["object"] for payload in announced]
    assert sorted((i["type"], i["actor"], i["object"]["id"]) for i in inner) == [
        ("Delete", world.uri, f"{world.uri}/notes/{n}") for n in (1, 2)
    ]


async def test_a_second_deletion_is_harmless(federation: Federation, node: Node) -> None:
    delete = _fixture(LEMMY)
    world = await _world(federation, node, delete["actor"])
    assert await world.item(delete) is QueueState.DONE
    await world.dispatch()
    before = await world.deliveries()
    relayed = {**delete, "id": f"{delete['id']}-relayed"}
    assert await world.item(relayed) is QueueState.DONE
    await world.dispatch()
    assert await world.deliveries() == before


async def test_a_place_the_account_held_at_a_meeting_goes_to_the_next_in_line(
    federation: Federation, node: Node
) -> None:
    delete = _fixture(LEMMY)
    world = await _world(federation, node, delete["actor"])
    mo = await node.member("mo2")
    await node.join(mo, "circle")
    async with federation.sessions.begin() as session:
        await session.execute(
            update(Membership)
            .where(Membership.member_id == mo.actor_id)
            .values(role=GroupRole.MODERATOR)
        )
    meeting = await node.run(
        lambda s: scheduling.schedule_meeting(
            s, node.site, mo, "circle", replace(BASE, capacity=1), now=NOW
        )
    )
    async with federation.sessions.begin() as session:
        for who, expected in ((world.uri, Attendance.GOING), (GAMMA, Attendance.WAITING)):
            guest = await actor_named(session, who)
            assert guest is not None
            state = await guests.guest_joins(
                session, meeting.public_id, guest, join_uri=f"{who}/join", now=NOW
            )
            assert state is expected

    assert await world.item(delete) is QueueState.DONE

    async with federation.sessions() as session:
        meeting_id = await session.scalar(select(Meeting.id))
        assert meeting_id is not None
        line = await guests.guests_of(session, meeting_id)
    assert [(g.join_uri, g.state) for g in line] == [(f"{GAMMA}/join", Attendance.GOING)]


async def test_a_deletion_of_an_account_by_anyone_else_is_refused(
    federation: Federation, node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    delete = _fixture(LEMMY)
    world = await _world(federation, node, delete["actor"])
    spoof = {**delete, "id": "https://gamma.example/activities/1", "actor": GAMMA}
    with caplog.at_level(logging.INFO, logger="kinfolk.processing"):
        assert await world.item(spoof) is QueueState.DONE
    assert f"{GAMMA} cannot delete another account, {world.uri}" in caplog.text
    assert await world.texts() == ["<p>private 1</p>", "<p>private 2</p>"]
    async with federation.sessions() as session:
        remote = await session.scalar(
            select(RemoteActor)
            .join(Actor, Actor.id == RemoteActor.actor_id)
            .where(Actor.uri == world.uri)
        )
        assert remote is not None
        assert remote.deleted_at is None


async def test_a_deletion_of_an_account_never_known_is_dropped_quietly(
    federation: Federation, node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    """Mastodon tells every server it knows of each deletion. Taken unverified (we hold no
    key), it is not even checked at its origin: nothing here is about it."""
    stranger = _fixture(MASTODON)
    world = await _world(federation, node, _fixture(LEMMY)["actor"])
    with caplog.at_level(logging.INFO, logger="kinfolk.processing"):
        assert await world.item(stranger, signed=False) is QueueState.DONE
    assert [r.message for r in caplog.records if r.levelno >= logging.INFO] == []


async def test_what_still_comes_from_the_account_is_refused(
    federation: Federation, node: Node
) -> None:
    """Let in by another process that still held its key in memory, say."""
    delete = _fixture(LEMMY)
    world = await _world(federation, node, delete["actor"])
    assert await world.item(delete) is QueueState.DONE
    follow = {
        "id": f"{world.uri}/follow/2",
        "type": "Follow",
        "actor": world.uri,
        "object": f"{node.site.base_url}/groups/circle",
    }
    assert await world.item(follow) is QueueState.FAILED
    async with federation.sessions() as session:
        item = await session.scalar(select(InboxItem).where(InboxItem.activity_uri == follow["id"]))
        assert item is not None
        assert item.last_error == f"{world.uri} deleted its account"
        assert await session.scalar(select(func.count()).select_from(Membership)) == 3


async def test_a_refetch_does_not_bring_the_account_back(
    federation: Federation, node: Node
) -> None:
    delete = _fixture(LEMMY)
    world = await _world(federation, node, delete["actor"])
    assert await world.item(delete) is QueueState.DONE
    async with federation.sessions.begin() as session:
        with pytest.raises(FetchError, match="deleted its account") as raised:
            await federation.store(session, _document(world.uri, generate_rsa_key()))
    assert raised.value.kind is FetchErrorKind.NOT_FOUND


# --- at the inbox, and where the origin is asked --------------------------------------


def _signed(url: str, activity: dict[str, Any], key: RSAPrivateKey, key_id: str) -> Incoming:
    body = json.dumps(activity).encode()
    headers = signatures.sign_request(
        "POST",
        url,
        {"Content-Type": "application/activity+json"},
        body,
        key_id=key_id,
        private_key=key,
        now=NOW,
    )
    return Incoming("POST", url, headers, body, "application/activity+json")


class Origin:
    """The account's own server: answers 410 for it once ``gone``, its document before."""

    def __init__(self) -> None:
        self.gone = False
        self.document: dict[str, Any] = {}
        self.requests: list[str] = []

    def app(self) -> web.Application:
        async def actor(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            if self.gone:
                return web.Response(status=410)
            return web.json_response(self.document, content_type="application/activity+json")

        app = web.Application()
        app.router.add_get("/users/{name}", actor)
        return app


@pytest.fixture
async def origin(aiohttp_server: AiohttpServer) -> tuple[Origin, str]:
    served = Origin()
    server = await aiohttp_server(served.app())
    return served, f"http://{server.host}:{server.port}"


def _as_served(uri: str, key: RSAPrivateKey) -> dict[str, Any]:
    return {
        "id": uri,
        "type": "Person",
        "preferredUsername": "felix",
        "inbox": f"{uri}/inbox",
        "publicKey": {
            "id": f"{uri}#main-key",
            "owner": uri,
            "publicKeyPem": public_key_to_pem(key.public_key()),
        },
    }


def _mastodon_delete(uri: str) -> dict[str, Any]:
    """Mastodon's account deletion, as captured, for ``uri``."""
    captured = _fixture(MASTODON)
    text = json.dumps(captured).replace(captured["actor"], uri)
    document: dict[str, Any] = json.loads(text)
    return document


async def test_once_deleted_the_inbox_answers_410_to_anything_from_the_account(
    federation: Federation, node: Node, origin: tuple[Origin, str]
) -> None:
    served, base = origin
    uri = f"{base}/users/felix"
    world = await _world(federation, node, uri)
    inbox = f"{node.site.base_url}/inbox"
    delete = _mastodon_delete(uri)
    served.gone = True  # Mastodon's actor answers 410 by the time its Delete arrives
    accepted = await receive(federation, _signed(inbox, delete, world.key, f"{uri}#main-key"))
    assert accepted.activity_id == delete["id"]
    while await process_once(federation):
        pass
    assert served.requests == []  # the signature with the key we held is the proof
    assert await world.texts() == ["", ""]
    follow = {
        "id": f"{uri}#follows/9",
        "type": "Follow",
        "actor": uri,
        "object": f"{node.site.base_url}/groups/circle",
    }
    for later in (follow, {**delete, "id": f"{uri}#delete-again"}):
        with pytest.raises(InboxRefusal) as refused:
            await receive(federation, _signed(inbox, later, world.key, f"{uri}#main-key"))
        assert (refused.value.status, refused.value.code) == (410, "account_deleted")
    assert served.requests == []  # refused before any key is fetched


async def test_a_deletion_whose_key_failed_while_the_account_is_gone_is_checked_at_origin(
    federation: Federation, node: Node, origin: tuple[Origin, str]
) -> None:
    """The key we hold does not verify it, and the key's refetch answers 410: taken in
    unverified, believed once the account's origin says it is gone."""
    served, base = origin
    uri = f"{base}/users/felix"
    world = await _world(federation, node, uri)
    served.gone = True
    inbox = f"{node.site.base_url}/inbox"
    other_key = generate_rsa_key()
    await receive(federation, _signed(inbox, _mastodon_delete(uri), other_key, f"{uri}#main-key"))
    async with federation.sessions() as session:
        item = await session.scalar(select(InboxItem))
        assert item is not None
        assert item.key_id == ""
    while await process_once(federation):
        pass
    assert served.requests == ["/users/felix", "/users/felix"]  # the key, then the account
    assert await world.texts() == ["", ""]


async def test_an_unverified_deletion_of_an_account_that_still_exists_is_not_believed(
    federation: Federation,
    node: Node,
    origin: tuple[Origin, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    served, base = origin
    uri = f"{base}/users/felix"
    world = await _world(federation, node, uri)
    served.document = _as_served(uri, world.key)
    async with federation.sessions.begin() as session:
        await session.execute(delete(ActorKey))  # no key held for it
    inbox = f"{node.site.base_url}/inbox"
    await receive(
        federation, _signed(inbox, _mastodon_delete(uri), generate_rsa_key(), f"{uri}#main-key")
    )
    with caplog.at_level(logging.INFO, logger="kinfolk.processing"):
        while await process_once(federation):
            pass
    assert f"{uri} still exists at its origin; its unsigned Delete is not believed" in caplog.text
    assert await world.texts() == ["<p>private 1</p>", "<p>private 2</p>"]


async def test_nothing_still_to_be_said_is_sent_to_the_account(
    federation: Federation, node: Node
) -> None:
    """A Reject decided before the Delete arrived, dispatched after it: not sent."""
    delete = _fixture(LEMMY)
    world = await _world(federation, node, delete["actor"])
    async with federation.sessions.begin() as session:
        actor = await find_actor_by_uri(session, world.uri)
        group_actor = await session.scalar(select(Actor).where(Actor.handle == "circle"))
        assert actor is not None
        assert group_actor is not None
        await record_event(
            session,
            EventKind.JOIN_REJECTED,
            actor_id=group_actor.id,
            subject_id=actor.id,
            now=NOW,
            follow_uri=f"{world.uri}/follow",
        )
    assert await world.item(delete) is QueueState.DONE
    before = len(await world.deliveries())
    await world.dispatch()
    assert [kind for kind, _, _, _ in (await world.deliveries())[before:]] == ["Announce"] * 4


async def test_another_process_holding_the_key_in_memory_refuses_within_a_minute(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    node: Node,
    origin: tuple[Origin, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The web process verified the account's requests with a key it keeps in memory; the
    worker process takes the Delete and drops the key from the database."""
    _, base = origin
    uri = f"{base}/users/felix"
    open_settings = dataclasses.replace(settings, allow_private_addresses=True)
    clock = [1000.0]
    monkeypatch.setattr("federation.context.time.monotonic", lambda: clock[0])
    async with (
        federation_runtime(open_settings, sessions, lambda: NOW) as web_process,
        federation_runtime(open_settings, sessions, lambda: NOW) as worker_process,
    ):
        web, worker = web_process.federation, worker_process.federation
        world = await _world(worker, node, uri)
        inbox = f"{node.site.base_url}/inbox"

        def follow(n: int) -> Incoming:
            activity = {
                "id": f"{uri}#follows/{n}",
                "type": "Follow",
                "actor": uri,
                "object": f"{node.site.base_url}/groups/circle",
            }
            return _signed(inbox, activity, world.key, f"{uri}#main-key")

        await receive(web, follow(1))  # its key, now in the web process's memory
        assert await world.item(_mastodon_delete(uri)) is QueueState.DONE
        await receive(web, follow(2))  # still believed from memory: the worker refuses it
        clock[0] += 61
        with pytest.raises(InboxRefusal) as refused:
            await receive(web, follow(3))
        assert refused.value.status == 410


async def test_lifting_its_old_ban_tells_only_the_groups_members(
    federation: Federation, node: Node
) -> None:
    """A ban stays after the account is gone (the moderators' record); lifting it later is
    announced to the group's members, not to the gone account's server."""
    delete = _fixture(MASTODON)
    world = await _world(federation, node, delete["actor"])
    async with federation.sessions.begin() as session:
        actor = await find_actor_by_uri(session, world.uri)
        neighbour = await find_actor_by_uri(session, f"{_origin(world.uri)}/users/neighbour")
        group_actor = await session.scalar(select(Actor).where(Actor.handle == "circle"))
        assert actor is not None
        assert neighbour is not None
        assert group_actor is not None
        for membership in await session.scalars(select(Membership)):
            if membership.member_id == actor.id:
                membership.state = MembershipState.BANNED
            if membership.member_id == neighbour.id:
                await session.delete(membership)  # its server has no member left
    assert await world.item(delete) is QueueState.DONE
    await world.dispatch()
    before = len(await world.deliveries())
    async with federation.sessions.begin() as session:
        await record_event(
            session,
            EventKind.MEMBER_UNBANNED,
            actor_id=group_actor.id,
            subject_id=actor.id,
            now=NOW,
            group=group_actor.id,
            reason="",
        )
    await world.dispatch()
    assert [(kind, inbox) for kind, inbox, _, _ in (await world.deliveries())[before:]] == [
        ("Announce", "https://gamma.example/inbox")
    ]


MBIN_ANNOUNCE = (
    "MbinOrg+mbin/tests/Unit/ActivityPub/Outbox/JsonSnapshots/"
    "AnnounceTest__testAnnounceDeleteUser__1.json"
)


async def _magazine(federation: Federation, uri: str) -> None:
    """A group elsewhere that we know (Mbin calls them magazines)."""
    document = dataclasses.replace(_document(uri, None), kind=ActorKind.GROUP)
    async with federation.sessions.begin() as session:
        await store_actor(session, document, now=NOW)


def _announced(magazine: str, account: str, n: int = 1) -> dict[str, Any]:
    """Mbin's Announce of a user's deletion, as captured (its scrubbed ids filled in)."""
    text = json.dumps(_fixture(MBIN_ANNOUNCE)).replace("https://kbin.test/m/test", magazine)
    announce: dict[str, Any] = json.loads(text.replace("https://kbin.test/u/user", account))
    announce["id"] = f"{magazine}/activities/{n}"
    announce["object"].update(id=f"{account}#delete", object=account)
    return announce


async def test_a_magazine_on_the_accounts_server_passes_its_deletion_on(
    federation: Federation, node: Node
) -> None:
    account = "https://kbin.test/u/user"
    world = await _world(federation, node, account)
    await _magazine(federation, "https://kbin.test/m/test")
    assert await world.item(_announced("https://kbin.test/m/test", account)) is QueueState.DONE
    assert await world.texts() == ["", ""]


async def test_a_group_elsewhere_is_believed_once_the_accounts_origin_confirms(
    federation: Federation, node: Node, origin: tuple[Origin, str]
) -> None:
    served, base = origin
    uri = f"{base}/users/felix"
    world = await _world(federation, node, uri)
    served.document = _as_served(uri, world.key)
    await _magazine(federation, "https://gamma.example/m/garden")
    assert await world.item(_announced("https://gamma.example/m/garden", uri)) is QueueState.DONE
    assert await world.texts() == ["<p>private 1</p>", "<p>private 2</p>"]  # it still exists
    served.gone = True
    again = _announced("https://gamma.example/m/garden", uri, 2)
    assert await world.item(again) is QueueState.DONE
    assert await world.texts() == ["", ""]
