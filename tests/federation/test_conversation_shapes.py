"""Conversations by consent on the wire: which Creates are direct messages, what their
words read as, and the shapes we send, as Mastodon and JSON-LD peers read them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from federation.protocol import conversations
from federation.protocol.conversations import direct_message, looks_direct
from federation.protocol.readings import read_activity
from federation.protocol.vocab import AS_CONTEXT, CONVERSATION_CONTEXT, Malformed, with_context
from federation.signing.capabilities import (
    CONVERSATIONS_HREF,
    GENERATOR,
    holds_conversations,
    reads_care_reports,
)
from tests.jsonld import expand, undefined_terms
from tests.shared_fixtures import activitypub_fixture, extra_fixture

KINFOLK = "https://w3id.org/kinfolk/ns#"
AS = "https://www.w3.org/ns/activitystreams#"
BEA = "https://kin.example/members/bea"
ANA = "https://other.example/members/ana"
CONVERSATION = "https://other.example/conversations/0f3c"
WHEN = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)


def _mastodon_direct() -> dict[str, Any]:
    """Mastodon's captured private message (a bare Note) in the Create it travels in."""
    note = activitypub_fixture("mastodon/activities/private_message.json")
    context = note.pop("@context")
    return {
        "@context": context,
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": note["attributedTo"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def _ours(text: str, *, contact_request: bool = False, in_reply_to: str | None = None) -> Any:
    note = conversations.message_note(
        "https://other.example/conversations/messages/1",
        ANA,
        BEA,
        "bea@kin.example",
        text,
        conversation=CONVERSATION,
        in_reply_to=in_reply_to,
        published=WHEN,
    )
    create = conversations.message_create(
        "https://other.example/activities/01J", note, contact_request=contact_request
    )
    return with_context(create, context=CONVERSATION_CONTEXT)


def test_mastodons_private_message_is_a_direct_message_to_its_one_addressee() -> None:
    message = direct_message(read_activity(_mastodon_direct()))

    assert message is not None
    assert message.recipient == "https://ds9.lemmy.ml/u/nutomic"
    assert message.author == "https://mastodon.world/users/nutomic"
    # The mention it opens with is addressing, not words.
    assert message.text == "444"
    assert message.in_reply_to == "https://mastodon.world/users/nutomic/statuses/110854464248188528"
    assert message.context is None  # Mastodon's ``conversation`` is a tag: URI, not ours
    assert not message.contact_request


def test_a_private_mention_captured_by_mobilizon_reads_the_same() -> None:
    create = extra_fixture("framasoft+mobilizon/test/fixtures/mastodon-post-activity-private.json")

    message = direct_message(read_activity(create))

    assert message is not None
    assert message.recipient == "https://framapiaf.org/users/tcit"
    assert message.text == "here is a private message"
    assert message.in_reply_to is None


@pytest.mark.parametrize(
    "change",
    [
        {"to": [BEA, "https://www.w3.org/ns/activitystreams#Public"]},
        {"cc": ["https://mastodon.world/users/nutomic/followers"]},
        {"to": [BEA, "https://kin.example/members/cal"]},
        {"audience": "https://kin.example/groups/circle"},
        {"to": []},
    ],
    ids=["public", "followers", "two people", "a group", "nobody"],
)
def test_what_is_not_for_one_person_alone_is_not_a_direct_message(change: dict[str, Any]) -> None:
    create = _mastodon_direct()
    create["object"].update(change)
    create.update({key: value for key, value in change.items() if key in {"to", "cc"}})

    assert direct_message(read_activity(create)) is None
    assert not looks_direct(create["object"])


def test_the_author_of_a_direct_message_is_its_actor() -> None:
    create = _mastodon_direct()
    create["actor"] = "https://mastodon.world/users/someone_else"

    with pytest.raises(Malformed, match="its actor's own"):
        direct_message(read_activity(create))


def test_a_direct_note_is_seen_as_one_before_it_is_read() -> None:
    assert looks_direct(_mastodon_direct()["object"])
    assert looks_direct(_ours("hello")["object"])


def test_a_kinfolk_request_reads_whole_and_its_words_cross_unchanged() -> None:
    text = "Hi Bea, <3 & thanks.\nI read your post.\n\nCould we talk?  Only if you'd like."
    message = direct_message(read_activity(_ours(text, contact_request=True)))

    assert message is not None
    assert message.contact_request
    assert message.context == CONVERSATION
    assert message.recipient == BEA
    assert message.activity_id == "https://other.example/activities/01J"
    assert message.text == text


def test_words_that_start_with_someone_elses_handle_keep_it() -> None:
    message = direct_message(read_activity(_ours("@cal@kin.example said hi to me")))

    assert message is not None
    assert message.text == "@cal@kin.example said hi to me"


def test_what_we_send_is_a_private_mention_as_mastodon_files_one() -> None:
    create = _ours("thank you", in_reply_to="https://kin.example/conversations/messages/9")
    note = create["object"]

    # Addressed to the one person, nobody else: no cc, no followers, no public.
    assert create["to"] == note["to"] == [BEA]
    assert create["cc"] == note["cc"] == []
    assert note["tag"] == [{"type": "Mention", "href": BEA, "name": "@bea@kin.example"}]
    assert note["inReplyTo"] == "https://kin.example/conversations/messages/9"
    assert note["content"].startswith(f'<p><span class="h-card"><a href="{BEA}"')
    assert "contactRequest" not in create


def test_a_json_ld_peer_reads_the_request_and_its_context() -> None:
    node = expand(_ours("hello", contact_request=True))

    assert node[KINFOLK + "contactRequest"] == [{"@value": True}]
    (note,) = node[AS + "object"]
    assert note[AS + "context"] == [{"@id": CONVERSATION}]
    assert undefined_terms(node) == set()


@pytest.mark.parametrize(
    "document",
    [
        conversations.request_answer("https://kin.example/activities/2", "Accept", BEA, "x:1", ANA),
        conversations.request_answer("https://kin.example/activities/3", "Reject", BEA, "x:1", ANA),
        conversations.leave("https://kin.example/activities/4", BEA, CONVERSATION, ANA),
    ],
    ids=["Accept", "Reject", "Leave"],
)
def test_answers_and_the_end_name_only_what_they_answer(document: dict[str, Any]) -> None:
    assert set(document) == {"id", "type", "actor", "object", "to"}
    assert document["to"] == [ANA]
    assert undefined_terms(expand(with_context(document, context=AS_CONTEXT))) == set()


def test_an_answer_and_an_end_read_as_naming_what_they_answer() -> None:
    request = "https://other.example/activities/01J"
    answer = conversations.request_answer(
        "https://kin.example/activities/2", "Reject", BEA, request, ANA
    )
    leave = conversations.leave("https://kin.example/activities/4", BEA, CONVERSATION, ANA)

    assert read_activity(answer).object_id == request
    assert read_activity(leave).object_id == CONVERSATION


def test_a_kinfolk_actor_says_it_holds_conversations_and_a_mastodon_one_does_not() -> None:
    assert holds_conversations({"generator": GENERATOR})
    assert holds_conversations({"implements": [{"href": CONVERSATIONS_HREF}]})
    assert reads_care_reports({"generator": GENERATOR})  # beside the care reports claim
    assert not holds_conversations(activitypub_fixture("mastodon/objects/person.json"))
    assert CONVERSATIONS_HREF == KINFOLK + "conversations"


def test_mobilizons_leave_of_an_event_reads_as_naming_the_event() -> None:
    """Leave is read now that it ends conversations; what it names decides the rest (the
    inbox ignores a Leave of anything but a conversation of ours)."""
    leave = extra_fixture("framasoft+mobilizon/test/fixtures/mobilizon-leave-activity.json")

    reading = read_activity(leave)

    assert (reading.type, reading.object_id) == ("Leave", "http://mobilizon.test/events/some-uuid")
