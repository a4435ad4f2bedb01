"""Our member deletes their account: the ``Delete`` of their actor in Mastodon's shape,
sent to every node that may hold their words (followers, groups elsewhere, the nodes of a
group here they posted in, conversation partners), once per shared inbox, and signed so
that a receiver verifies it with the key it holds while the actor answers 410."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.config import DeliveryConfig
from federation.delivery.worker import DeliveryWorker
from federation.inbox.account_deletion import is_account_delete
from federation.outbox.dispatch import dispatch_once
from federation.protocol.account_deletion import actor_deletion
from federation.remote.http import Egress, client_session
from federation.signing.keys import PublicKey
from federation.signing.keystore import local_keys
from federation.tables import Delivery, OutgoingActivity, RemoteActor
from node import accounts, conversations
from node.account_deletion import deleting
from node.actors import upsert_remote_actor
from node.errors import Gone
from node.kinds import (
    ActorKind,
    FollowState,
    GroupRole,
    JoinPolicy,
    MembershipState,
    Visibility,
)
from node.storage.models.actors import Actor, Follow
from node.storage.models.groups import Group, Membership
from tests.federation.fake_inbox import FakeInbox
from tests.node.factories import PASSWORD, Node
from tests.shared_fixtures import SHARED_FIXTURES

MASTODON = SHARED_FIXTURES / "activitypub-extra/framasoft+mobilizon/test/fixtures"


async def remote(
    session: AsyncSession, uri: str, *, inbox: str, shared: str | None = None, group: bool = False
) -> Actor:
    host = uri.split("/")[2]
    actor = await upsert_remote_actor(
        session,
        uri=uri,
        kind=ActorKind.GROUP if group else ActorKind.PERSON,
        handle=uri.rsplit("/", 1)[1],
        domain=host,
        display_name="",
        summary="",
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(
        RemoteActor(
            actor_id=actor.id, inbox=inbox, shared_inbox=shared, fetched_at=actor.created_at
        )
    )
    if group:
        session.add(
            Group(actor_id=actor.id, visibility=Visibility.PUBLIC, join_policy=JoinPolicy.OPEN)
        )
    await session.flush()
    return actor


def member(group: Group, actor_id: int, now: datetime) -> Membership:
    return Membership(
        group_id=group.id,
        member_id=actor_id,
        state=MembershipState.APPROVED,
        role=GroupRole.MEMBER,
        created_at=now,
        updated_at=now,
    )


async def queued(node: Node) -> list[tuple[dict[str, Any], set[str]]]:
    async with node.sessions.begin() as session:
        await dispatch_once(session, node.site, now=node.now)
    found = []
    async with node.sessions() as session:
        for outgoing in await session.scalars(
            select(OutgoingActivity).order_by(OutgoingActivity.id)
        ):
            inboxes = select(Delivery.inbox).where(Delivery.activity_id == outgoing.id)
            found.append((json.loads(outgoing.payload), set(await session.scalars(inboxes))))
    return found


def test_the_delete_is_mastodons_and_reads_as_an_account_deletion() -> None:
    uri = "https://kin.example/members/cat"
    sent = actor_deletion(uri)
    assert sent == {
        "id": f"{uri}#delete",
        "type": "Delete",
        "actor": uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": uri,
    }
    assert is_account_delete(sent)
    mastodon = json.loads((MASTODON / "mastodon-delete-user.json").read_text(encoding="utf-8"))
    assert mastodon["id"] == f"{mastodon['actor']}#delete"
    assert is_account_delete(mastodon)


async def test_the_delete_reaches_every_node_that_may_hold_their_words_once(node: Node) -> None:
    mo, cat = await node.member("mo"), await node.member("cat")
    await node.group(mo, "circle")
    await node.join(cat, "circle")
    await node.post(cat, "circle", "Words others hold")
    async with node.sessions.begin() as session:
        cat_actor = await session.get_one(Actor, cat.actor_id)
        # Two followers on one server: one delivery, to its shared inbox.
        for name in ("pat", "sam"):
            follower = await remote(
                session,
                f"https://masto.example/users/{name}",
                inbox=f"https://masto.example/users/{name}/inbox",
                shared="https://masto.example/inbox",
            )
            session.add(
                Follow(
                    follower_id=follower.id,
                    followee_id=cat.actor_id,
                    state=FollowState.ACCEPTED,
                    created_at=node.now,
                )
            )
        # A group elsewhere she joined.
        far = await remote(
            session,
            "https://far.example/groups/grief",
            inbox="https://far.example/inbox",
            group=True,
        )
        far_group = await session.scalar(select(Group).where(Group.actor_id == far.id))
        assert far_group is not None
        # A member elsewhere of the group here she posted in (it announced her post there).
        lem = await remote(
            session, "https://lemmy.example/u/lem", inbox="https://lemmy.example/u/lem/inbox"
        )
        circle = await session.scalar(
            select(Group).join(Actor, Group.actor_id == Actor.id).where(Actor.handle == "circle")
        )
        assert circle is not None
        session.add_all(
            [member(far_group, cat.actor_id, node.now), member(circle, lem.id, node.now)]
        )
        # A conversation partner, and someone who never met her.
        partner = await remote(
            session, "https://talk.example/users/ted", inbox="https://talk.example/users/ted/inbox"
        )
        await remote(session, "https://other.example/users/zoe", inbox="https://other.example/in")
        await session.flush()
        await conversations.ask(session, node.site, cat_actor, partner, "Hello?", node.now)
        cat_uri = cat_actor.uri

    await node.run(
        lambda s: deleting.delete_own_account(s, node.passwords, cat, PASSWORD, now=node.now)
    )
    deletes = [(a, i) for a, i in await queued(node) if a["type"] == "Delete"]
    assert len(deletes) == 1
    activity, inboxes = deletes[0]
    assert (activity["actor"], activity["object"]) == (cat_uri, cat_uri)
    assert inboxes == {
        "https://masto.example/inbox",
        "https://far.example/inbox",
        "https://lemmy.example/u/lem/inbox",
        "https://talk.example/users/ted/inbox",
    }


async def test_it_verifies_with_the_key_held_while_the_actor_answers_410(node: Node) -> None:
    cat = await node.member("cat")
    async with node.sessions.begin() as session:
        cat_actor = await session.get_one(Actor, cat.actor_id)
        keys = await local_keys(session, cat_actor, now=node.now)
    # The receiver fetched (and keeps) her keys while she was here.
    held: dict[str, PublicKey] = {
        keys.rsa_key_id: keys.rsa.public_key(),
        keys.ed25519_key_id: keys.ed25519.public_key(),
    }
    inbox = FakeInbox(held, lambda: node.now)
    await inbox.start()
    try:
        async with node.sessions.begin() as session:
            follower = await remote(
                session, "http://peer.example/users/pat", inbox=inbox.url("/users/pat/inbox")
            )
            session.add(
                Follow(
                    follower_id=follower.id,
                    followee_id=cat.actor_id,
                    state=FollowState.ACCEPTED,
                    created_at=node.now,
                )
            )
        await node.run(
            lambda s: deleting.delete_own_account(s, node.passwords, cat, PASSWORD, now=node.now)
        )
        await queued(node)
        # Her actor answers 410 from now on (``web.activitypub``: Gone is 410, with a
        # Tombstone), so the receiver has only the key it held.
        with pytest.raises(Gone):
            await node.run(lambda s: accounts.get_profile(s, "cat", node.site.domain))

        config = DeliveryConfig(max_in_flight=4, max_per_host=2, batch_size=8, total_timeout=10.0)
        egress = Egress(allow_private_addresses=True, allow_http=True)
        async with client_session(egress, user_agent=config.user_agent) as http:
            await DeliveryWorker(node.sessions, http, lambda: node.now, config).run_once()
        [received] = inbox.received
        assert received.verified, received.problem
        assert received.key_id in held
        assert received.activity["type"] == "Delete"
        assert received.activity["object"] == received.activity["actor"] == cat_actor.uri
    finally:
        await inbox.close()
