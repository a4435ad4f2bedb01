"""Support topics on the wire: the tags and warning we send (read back as we read any
post, and expanded as a JSON-LD peer does), and topics found in the free-text warnings
of captured Mastodon, Pleroma and Lemmy payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from federation.protocol.objects import as_from_post, object_from_post
from federation.protocol.post_readings import PostReading
from federation.protocol.readings import read_activity, read_object
from federation.protocol.topic_tags import TOPICS
from node.kinds import ActorKind
from node.topics import Topic
from node.views import ActorRef, PostView
from tests.jsonld import expand, undefined_terms
from tests.shared_fixtures import activitypub_fixture, extra_fixture

KF = "https://w3id.org/kinfolk/ns#"
AS = "https://www.w3.org/ns/activitystreams#"


def _post(topics: tuple[Topic, ...], warning: str = "", language: str = "de") -> PostView:
    group = ActorRef(
        "https://kin.example/groups/circle", ActorKind.GROUP, "circle", "kin.example", "", True
    )
    ana = ActorRef(
        "https://kin.example/members/ana", ActorKind.PERSON, "ana", "kin.example", "", True
    )
    return PostView(
        public_id="01J",
        uri="https://kin.example/posts/01J",
        group=group,
        author=ana,
        title="Heute Nacht",
        content_html="<p>Es ist schwer.</p>",
        source=None,
        content_warning=warning,
        language=language,
        published_at=datetime(2026, 12, 6, 8, 0, tzinfo=UTC),
        edited_at=None,
        deleted=False,
        in_reply_to=None,
        in_reply_to_uri=None,
        thread=None,
        reply_count=0,
        supported_by_me=False,
        support_count=None,
        group_public=True,
        topics=topics,
    )


def _read(document: dict[str, Any]) -> PostReading:
    reading = read_object(document)
    assert isinstance(reading, PostReading)
    return reading


def test_topics_travel_as_tags_and_name_themselves_in_the_summary() -> None:
    document = as_from_post(_post((Topic.SELF_HARM, Topic.SUICIDE)))
    assert document["tag"] == [
        {"type": "SupportTopic", "id": TOPICS + "self-harm", "name": "Selbstverletzung"},
        {"type": "SupportTopic", "id": TOPICS + "suicide", "name": "Suizid"},
    ]
    # What Mastodon and Lemmy read: a warning in the post's language, marked sensitive.
    assert (document["summary"], document["sensitive"]) == ("Selbstverletzung, Suizid", True)
    # Another Kinfolk node reads the topics back, and no warning beside them.
    reading = _read(document)
    assert reading.topics == (Topic.SELF_HARM, Topic.SUICIDE)
    assert (reading.content_warning, reading.sensitive) == ("", True)


def test_the_authors_own_warning_goes_first_and_stays() -> None:
    document = as_from_post(_post((Topic.GRIEF_AND_LOSS,), warning="ein Jahr danach"))
    assert document["summary"] == "ein Jahr danach"
    reading = _read(document)
    assert (reading.content_warning, reading.topics) == ("ein Jahr danach", (Topic.GRIEF_AND_LOSS,))


def test_a_post_without_topics_sends_no_tag() -> None:
    document = as_from_post(_post(()))
    assert "tag" not in document
    assert document["sensitive"] is False


def test_a_json_ld_peer_reads_the_topic_tags() -> None:
    node = expand(object_from_post(_post((Topic.SUICIDE,))))
    (tag,) = node[AS + "tag"]
    assert tag["@type"] == [KF + "SupportTopic"]
    assert tag["@id"] == TOPICS + "suicide"
    assert undefined_terms(node) == set()


def test_unknown_topic_ids_and_other_servers_tags_are_passed_over() -> None:
    document = as_from_post(_post((Topic.SUICIDE,)))
    document["tag"] += [
        {"type": "SupportTopic", "id": TOPICS + "weather", "name": "Weather"},
        {"type": "Hashtag", "href": "https://kin.example/tags/suicide", "name": "#suicide"},
        {"type": "SupportTopic", "id": "https://elsewhere.example/abuse"},
    ]
    assert _read(document).topics == (Topic.SUICIDE,)


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("CW: suicide", (Topic.SUICIDE,)),
        ("TW: SH, ED", (Topic.SELF_HARM, Topic.EATING_DISORDERS)),
        ("Suizid, Trauer", (Topic.SUICIDE, Topic.GRIEF_AND_LOSS)),
        ("TW : automutilation", (Topic.SELF_HARM,)),
        ("politics", ()),
    ],
)
def test_a_mastodon_cw_names_topics(summary: str, expected: tuple[Topic, ...]) -> None:
    """A captured Mastodon status, given a CW as Mastodon sends one (summary + sensitive)."""
    document = activitypub_fixture("mastodon/objects/note_1.json")
    document["summary"], document["sensitive"] = summary, True
    reading = _read(document)
    assert reading.topics == expected
    assert reading.content_warning == summary  # their words stay, beside the topics


def test_a_captured_cw_with_no_known_word_gives_no_topic() -> None:
    activity = read_activity(
        extra_fixture("pleroma-social+pleroma/test/fixtures/mastodon-post-activity.json")
    )
    assert isinstance(activity.object, PostReading)
    assert (activity.object.content_warning, activity.object.topics) == ("cw", ())


def test_a_lemmy_warning_written_into_the_title_names_topics() -> None:
    """Lemmy has no CW field; people write one into the title."""
    document = activitypub_fixture("lemmy/objects/page.json")
    assert _read(document).topics == ()  # its own CommunityPostTag is not one of ours
    document["name"] = "[TW: suicide, self harm] I need to talk"
    reading = _read(document)
    assert reading.topics == (Topic.SELF_HARM, Topic.SUICIDE)
    assert reading.sensitive
    document["name"] = "Twelve steps, week two"
    assert _read(document).topics == ()
