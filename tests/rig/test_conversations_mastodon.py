"""Conversations by consent with Mastodon: a private mention to one of our members is a
request, and once it is accepted our member's messages go back as private mentions to
that one person, each answering their last, while their replies thread in. Mastodon has
no way to say yes but to reply, so its reply to our member's request is the yes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from federation.protocol.vocab import PUBLIC
from federation.tables import QueueState
from node.kinds import ContactPolicy
from node.storage.models.posts import Post
from tests.rig.rig import Rig, RigNode, count
from tests.rig.shaped_peers import MastodonPeer, shared_inbox
from tests.rig.test_conversations import API, items, received, set_contact_policy

FIRST = "Hi Bea, I saw your post in the circle. Would you talk with me for a bit?"
REPLY = "Of course. How are you holding up?"
AGAIN = "Better now, thank you for answering."


async def _outcome(node: RigNode, activity_id: str) -> tuple[QueueState, str | None]:
    [outcome] = [
        (state, error) for act, state, error in await received(node) if act["id"] == activity_id
    ]
    return outcome


def _only_to(activity: dict[str, Any], person: str) -> None:
    """Addressed as Mastodon files a private mention: to the one person, with a Mention
    of them, nobody in cc, never the public, no followers, no group."""
    note = activity["object"]
    assert activity["to"] == note["to"] == [person]
    assert activity.get("cc", []) == note.get("cc", []) == []
    assert PUBLIC not in str(activity)
    assert "audience" not in note
    assert [tag["href"] for tag in note["tag"] if tag["type"] == "Mention"] == [person]


async def test_a_private_mention_from_mastodon_is_a_request_and_the_talk_threads_both_ways(
    rig: Rig, mastodon: MastodonPeer
) -> None:
    b = await rig.add_node("beta")
    bea = await b.member("bea")
    await set_contact_policy(b, bea, ContactPolicy.ANYONE)  # Mastodon shares no group
    bea_doc = await mastodon.resolve(f"bea@{b.domain}")
    ro = mastodon.person("ro")

    first = mastodon.direct_note(ro, bea_doc, FIRST)
    assert await mastodon.deliver(ro, shared_inbox(bea_doc), first) == 202
    await rig.settle()

    # A request among Bea's requests, its words shown when she opens it; nothing answered.
    [waiting] = await items(b, bea, f"{API}/requests")
    assert waiting["other"]["id"] == ro.uri
    [opened] = await items(b, bea, f"{API}/{waiting['id']}/messages")
    assert opened["text"] == FIRST
    # It is no post: nothing was stored as one.
    assert await count(b, select(func.count()).select_from(Post)) == 0
    (await b.api.call("POST", f"{API}/{waiting['id']}/accept", as_=bea)).expect(200)
    await rig.settle()
    assert mastodon.received == []  # Mastodon reads no Accept: the answer is the reply

    answer = await b.api.call(
        "POST", f"{API}/{waiting['id']}/messages", as_=bea, json={"text": REPLY}
    )
    answer.expect(201)
    await rig.settle()
    [create] = mastodon.received_of("Create")
    assert create.verified, create.problem
    assert create.path == "/users/ro/inbox"  # its own inbox, not the shared one
    _only_to(create.activity, ro.uri)
    note = create.activity["object"]
    assert note["inReplyTo"] == first["object"]["id"]
    assert note["attributedTo"] == bea_doc["id"]
    assert REPLY.replace("?", "") in note["content"]
    assert "contactRequest" not in create.activity

    # Ro's next reply threads into the conversation.
    reply = mastodon.direct_note(ro, bea_doc, AGAIN, in_reply_to=note["id"])
    assert await mastodon.deliver(ro, shared_inbox(bea_doc), reply) == 202
    await rig.settle()
    texts = [m["text"] for m in await items(b, bea, f"{API}/{waiting['id']}/messages")]
    assert texts == [AGAIN, REPLY, FIRST]
    assert await items(b, bea, f"{API}/requests") == []

    # Bea ends it: nothing goes to Mastodon, and a reply after the end is refused.
    (await b.api.call("POST", f"{API}/{waiting['id']}/end", as_=bea)).expect(200)
    await rig.settle()
    assert [r.activity["type"] for r in mastodon.received] == ["Create"]
    late = mastodon.direct_note(ro, bea_doc, "Are you still there?", in_reply_to=note["id"])
    assert await mastodon.deliver(ro, shared_inbox(bea_doc), late) == 202
    await rig.settle()
    state, error = await _outcome(b, late["id"])
    assert state is QueueState.FAILED
    assert error is not None
    assert "ended" in error
    assert len(await items(b, bea, f"{API}/{waiting['id']}/messages")) == 3
    # A fresh private mention later is a new request, even one answering another of
    # ro's statuses, which beta does not fetch: a private message's thread is not ours.
    earlier = f"{ro.uri}/statuses/1"
    fresh = mastodon.direct_note(ro, bea_doc, "Hi again, could we talk?", in_reply_to=earlier)
    assert await mastodon.deliver(ro, shared_inbox(bea_doc), fresh) == 202
    await rig.settle()
    [again] = await items(b, bea, f"{API}/requests")
    assert again["id"] != waiting["id"]
    assert urlsplit(earlier).path not in mastodon.asked_for


async def test_a_private_mention_from_outside_the_members_boundaries_is_dropped(
    rig: Rig, mastodon: MastodonPeer
) -> None:
    b = await rig.add_node("beta")
    bea = await b.member("bea")  # by default, only people in her groups may ask
    bea_doc = await mastodon.resolve(f"bea@{b.domain}")
    ro = mastodon.person("ro")

    first = mastodon.direct_note(ro, bea_doc, FIRST)
    assert await mastodon.deliver(ro, shared_inbox(bea_doc), first) == 202
    await rig.settle()

    assert await items(b, bea, f"{API}/requests") == []
    state, error = await _outcome(b, first["id"])
    assert state is QueueState.FAILED
    assert error is not None
    assert "not available" in error
    assert mastodon.received == []  # no answer


async def test_our_members_request_reaches_mastodon_and_the_reply_is_the_yes(
    rig: Rig, mastodon: MastodonPeer
) -> None:
    b = await rig.add_node("beta")
    bea = await b.member("bea")
    ro = mastodon.person("ro")
    asked = await b.api.call(
        "POST", API, as_=bea, json={"to": f"ro@{mastodon.domain}", "text": FIRST}
    )
    on_b = asked.expect(201)
    await rig.settle()

    [request] = mastodon.received_of("Create")
    assert request.verified, request.problem
    _only_to(request.activity, ro.uri)
    assert request.activity["contactRequest"] is True
    bea_doc = await mastodon.fetch(request.activity["actor"])

    reply = mastodon.direct_note(ro, bea_doc, REPLY, in_reply_to=request.activity["object"]["id"])
    assert await mastodon.deliver(ro, shared_inbox(bea_doc), reply) == 202
    await rig.settle()

    shown = (await b.api.call("GET", f"{API}/{on_b['id']}", as_=bea)).expect(200)
    assert shown["state"] == "accepted"
    texts = [m["text"] for m in await items(b, bea, f"{API}/{on_b['id']}/messages")]
    assert texts == [REPLY, FIRST]
