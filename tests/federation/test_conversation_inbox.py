"""The inbox's conversation handlers on one node, on both databases: what a direct
message, an answer and a Leave from elsewhere do, and what the outbox sends back to a
server that holds conversations and to one that does not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from federation.context import Federation
from federation.inbox.dispatch import process
from federation.inbox.prepared import Ignored, Prepared
from federation.outbox.dispatch import dispatch_once
from federation.protocol.vocab import Malformed
from federation.tables import Delivery, OutgoingActivity, RemoteActor
from node import conversations
from node.actors import upsert_remote_actor
from node.kinds import ActorKind, ContactPolicy, ConversationState
from node.storage.models.actors import Account
from node.views import Viewer
from tests.node.factories import Node
from tests.shared_fixtures import activitypub_fixture, extra_fixture

RO = "https://mastodon.world/users/nutomic"  # the captured private message's author


async def _bea_and_ro(node: Node, *, holds_conversations: bool = False) -> Viewer:
    """Bea, who lets anyone ask, and ro on Mastodon (or on a server that holds
    conversations), known here with an inbox."""
    bea = await node.member("bea")
    async with node.sessions.begin() as session:
        await session.execute(
            update(Account)
            .where(Account.id == bea.account_id)
            .values(contact_policy=ContactPolicy.ANYONE)
        )
        ro = await upsert_remote_actor(
            session,
            uri=RO,
            kind=ActorKind.PERSON,
            handle="nutomic",
            domain="mastodon.world",
            display_name="ro",
            summary="",
            now=node.now,
        )
        session.add(
            RemoteActor(
                actor_id=ro.id,
                inbox=f"{RO}/inbox",
                shared_inbox="https://mastodon.world/inbox",
                fetched_at=node.now,
                holds_conversations=holds_conversations,
            )
        )
    return bea


def _private_message(node: Node, **note: Any) -> dict[str, Any]:
    """Mastodon's captured private message, to Bea, in its Create."""
    document = activitypub_fixture("mastodon/activities/private_message.json")
    bea = node.site.member_uri("bea")
    text = json.dumps(document).replace("https://ds9.lemmy.ml/u/nutomic", bea)
    text = text.replace("nutomic@ds9.lemmy.ml", f"bea@{node.site.domain}")
    document = json.loads(text)
    document.pop("@context")
    document.update({"inReplyTo": None, **note})
    return {
        "id": f"{document['id']}/activity",
        "type": "Create",
        "actor": RO,
        "to": document["to"],
        "cc": [],
        "object": document,
    }


async def _process(node: Node, fed: Federation, activity: dict[str, Any]) -> None:
    async with node.sessions.begin() as session:
        await process(fed, session, Prepared(activity))


async def _requests(node: Node, bea: Viewer) -> list[conversations.ConversationView]:
    return list((await node.run(lambda s: conversations.requests_for(s, bea.actor_id))).items)


async def test_a_private_message_is_a_request_and_its_repeat_is_ignored(
    node: Node, fed: Federation
) -> None:
    bea = await _bea_and_ro(node)
    create = _private_message(node)

    await _process(node, fed, create)

    [request] = await _requests(node, bea)
    assert request.asker.uri == RO
    assert request.request_uri == create["id"]
    page = await node.run(lambda s: conversations.messages(s, request.id, bea.actor_id))
    assert [m.text for m in page.items] == ["444"]
    # The same Note again, under another activity id (a retried delivery): held already.
    with pytest.raises(Ignored, match="held already"):
        await _process(node, fed, {**create, "id": f"{create['id']}/again"})


async def test_a_private_reply_in_a_groups_thread_is_no_request(
    node: Node, fed: Federation
) -> None:
    bea = await _bea_and_ro(node)
    await node.group(bea, "circle")
    post = await node.post(bea, "circle", "Sundays are hard.")

    with pytest.raises(Ignored, match="not addressed to a group"):
        await _process(node, fed, _private_message(node, inReplyTo=post.uri))
    assert await _requests(node, bea) == []


async def test_a_request_naming_a_conversation_on_another_server_is_refused(
    node: Node, fed: Federation
) -> None:
    bea = await _bea_and_ro(node, holds_conversations=True)
    create = _private_message(node, context="https://elsewhere.example/conversations/1")
    create["contactRequest"] = True

    with pytest.raises(Malformed, match="asker's server"):
        await _process(node, fed, create)
    assert await _requests(node, bea) == []


async def test_a_leave_of_anything_but_a_conversation_of_ours_is_ignored(
    node: Node, fed: Federation
) -> None:
    leave = extra_fixture("framasoft+mobilizon/test/fixtures/mobilizon-leave-activity.json")

    with pytest.raises(Ignored, match="no conversation of ours"):
        await _process(node, fed, leave)


@pytest.mark.parametrize("holds", [False, True], ids=["mastodon", "kinfolk"])
async def test_an_answer_goes_only_to_a_server_that_holds_conversations(
    node: Node, fed: Federation, holds: bool
) -> None:
    bea = await _bea_and_ro(node, holds_conversations=holds)
    create = _private_message(node)
    await _process(node, fed, create)
    [request] = await _requests(node, bea)

    await node.run(lambda s: conversations.accept(s, request.id, bea.actor_id, node.now))
    async with node.sessions.begin() as session:
        await dispatch_once(session, node.site, now=node.now)
        rows = (
            await session.execute(
                select(OutgoingActivity.payload, Delivery.inbox).join(
                    Delivery, Delivery.activity_id == OutgoingActivity.id
                )
            )
        ).all()

    sent = [(json.loads(payload), inbox) for payload, inbox in rows]
    if not holds:
        assert sent == []  # Mastodon would read an Accept of a Create as nothing
        return
    [(accept, inbox)] = sent
    assert inbox == f"{RO}/inbox"  # the person's own, not the shared one
    assert (accept["type"], accept["object"], accept["to"]) == ("Accept", create["id"], [RO])
    async with node.sessions.begin() as session:
        shown = await conversations.conversation_by_request_uri(session, create["id"])
    assert shown is not None
    assert shown.state is ConversationState.ACCEPTED
