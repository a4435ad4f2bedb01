"""What a reading says about captured payloads: titles, CWs, mentions, wrappers, refusals."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest

from federation.protocol.post_readings import SENSITIVE_WARNING, PostReading
from federation.protocol.readings import (
    ActivityReading,
    Unsupported,
    read_activity,
    read_document,
    read_object,
)
from federation.protocol.vocab import Malformed
from federation.remote.actors import ActorDocument
from node.kinds import ActorKind
from tests.shared_fixtures import SHARED_FIXTURES

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@cache
def _fixture(relative: str) -> str:
    return (SHARED_FIXTURES / "activitypub" / relative).read_text(encoding="utf-8")


def fixture(relative: str) -> dict[str, Any]:
    """A fresh copy of a captured payload, free to be altered by the test."""
    document: dict[str, Any] = json.loads(_fixture(relative))
    return document


def note(**fields: Any) -> dict[str, Any]:
    """A minimal Mastodon-style Note, with ``fields`` replacing or adding properties."""
    document: dict[str, Any] = {
        "id": "https://social.example/users/ana/statuses/1",
        "type": "Note",
        "attributedTo": "https://social.example/users/ana",
        "content": "<p>hello</p>",
        "to": [PUBLIC],
        "cc": ["https://social.example/users/ana/followers"],
        "published": "2026-11-21T12:00:00Z",
    }
    document.update(fields)
    return document


def activity(kind: str, obj: Any) -> dict[str, Any]:
    """An activity of ``kind`` by a fixed actor around ``obj``."""
    return {
        "id": f"https://social.example/activities/{kind.lower()}/1",
        "type": kind,
        "actor": "https://social.example/users/ana",
        "object": obj,
        "to": [PUBLIC],
    }


def post(document: dict[str, Any]) -> PostReading:
    reading = read_object(document)
    assert isinstance(reading, PostReading)
    return reading


def inner(reading: ActivityReading) -> ActivityReading:
    assert isinstance(reading.object, ActivityReading)
    return reading.object


def post_of(reading: ActivityReading) -> PostReading:
    assert isinstance(reading.object, PostReading)
    return reading.object


# --- posts -----------------------------------------------------------------------------


def test_a_lemmy_thread_start_reads_as_a_titled_page_in_its_community() -> None:
    reading = read_activity(fixture("lemmy/activities/create_or_update/create_page.json"))

    assert reading.type == "Create"
    assert reading.actor == "http://ds9.lemmy.ml/u/lemmy_alpha"
    page = post_of(reading)
    assert page.kind == "Page"
    assert page.uri == "http://ds9.lemmy.ml/post/1"
    assert page.title == "test post"
    assert page.author_uri == "http://ds9.lemmy.ml/u/lemmy_alpha"
    assert page.audience_uri == "https://enterprise.lemmy.ml/c/main"
    assert page.language == "ko"
    assert page.content_html == "<p>test body</p>\n"
    assert page.attachment_urls == ("https://lemmy.ml/pictrs/image/xl8W7FZfk9.jpg",)
    assert page.published == datetime(2021, 10, 29, 15, 10, 51, 557399, tzinfo=UTC)
    assert page.public
    assert not page.sensitive


def test_a_lemmy_comment_is_an_untitled_reply_with_its_mentions() -> None:
    comment = post(fixture("lemmy/objects/comment.json"))

    assert (comment.kind, comment.title) == ("Note", None)
    assert comment.in_reply_to_uri == "https://enterprise.lemmy.ml/post/55143"
    assert [m.href for m in comment.mentions] == [
        "https://enterprise.lemmy.ml/u/picard",
        "https://enterprise.lemmy.ml/c/tenforward",
    ]
    assert comment.updated == datetime(2021, 3, 1, 13, 43, 3, 955787, tzinfo=UTC)


def test_a_mastodon_reply_keeps_its_mention_its_language_and_its_followers_only_to() -> None:
    reading = post(fixture("mastodon/objects/note_1.json"))

    assert reading.kind == "Note"
    assert reading.content_warning == ""  # summary: null
    assert reading.language == "en"  # contentMap's key
    assert reading.to == ("https://mastodon.madrid/users/felix/followers",)
    assert reading.public  # via cc
    assert [(m.href, m.name) for m in reading.mentions] == [
        ("https://mamot.fr/users/retiolus", "@retiolus@mamot.fr")
    ]
    # The mention link and its text survive sanitizing.
    assert '<a href="https://mamot.fr/@retiolus"' in reading.content_html
    assert "@<span>retiolus</span></a>" in reading.content_html


def test_a_mastodon_content_warning_is_the_summary_and_marks_the_post_sensitive() -> None:
    document = fixture("mastodon/objects/note_1.json")
    document["summary"] = "talk of self-harm &amp; recovery"
    document["sensitive"] = True

    reading = post(document)

    assert reading.content_warning == "talk of self-harm & recovery"
    assert reading.sensitive


def test_a_summary_on_a_note_hides_it_even_when_the_server_forgot_sensitive() -> None:
    reading = post(note(summary="grief", sensitive=False))

    assert (reading.content_warning, reading.sensitive) == ("grief", True)


def test_a_lemmy_nsfw_post_without_a_summary_goes_behind_a_default_warning() -> None:
    document = fixture("lemmy/objects/page.json")
    document["sensitive"] = True

    reading = post(document)

    assert (reading.content_warning, reading.sensitive) == (SENSITIVE_WARNING, True)
    assert SENSITIVE_WARNING.strip()


@pytest.mark.parametrize(
    "relative",
    [
        "wordpress/objects/page.json",  # Article: summary is the excerpt
        "nodebb/objects/page.json",  # Article: summary is an HTML preview
        "lotide/objects/page.json",  # Page: summary repeats the title
    ],
)
def test_an_excerpt_in_summary_is_not_a_content_warning(relative: str) -> None:
    reading = post(fixture(relative))

    assert (reading.content_warning, reading.sensitive) == ("", False)


def test_hashtags_read_without_their_hash_and_their_links_survive() -> None:
    featured = fixture("mastodon/collections/featured.json")["orderedItems"][0]

    reading = post(featured)

    assert reading.hashtags == ("reddit", "fediverse", "activitypub")
    assert '<a href="https://mastodon.social/tags/reddit"' in reading.content_html
    assert "#<span>reddit</span></a>" in reading.content_html


def test_an_article_from_friendica_reads_with_its_title_and_contentmap_language() -> None:
    reading = read_activity(fixture("friendica/activities/create_page_2.json"))

    article = post_of(reading)
    assert (article.kind, article.title, article.language) == (
        "Article",
        "From Friendica to Lemmy",
        "de",
    )
    assert article.public  # Public is in cc, the community in to


def test_a_peertube_comment_in_markdown_is_rendered_not_shown_raw() -> None:
    reading = post(fixture("peertube/objects/note.json"))

    assert reading.content_html == "<p>@af2@bae.st idk</p>"


def test_only_contentmap_is_enough_for_content() -> None:
    reading = post(note(content=None, contentMap={"pt-BR": "<p>olá</p>"}))

    assert (reading.content_html, reading.language) == ("<p>olá</p>", "pt-BR")


def test_lemmys_undetermined_language_reads_as_none() -> None:
    reading = post(note(language={"identifier": "und", "name": "Undetermined"}))

    assert reading.language is None


@pytest.mark.parametrize(
    ("attributed_to", "author"),
    [
        (
            [
                {"type": "Group", "id": "https://tube.example/video-channels/c"},
                {"type": "Person", "id": "https://tube.example/accounts/ana"},
            ],
            "https://tube.example/accounts/ana",
        ),
        (["https://a.example/u/ana", "https://a.example/c/circle"], "https://a.example/u/ana"),
        ({"type": "Person", "id": "https://a.example/u/ana"}, "https://a.example/u/ana"),
    ],
    ids=["peertube-list", "string-list", "embedded-person"],
)
def test_the_author_is_the_first_person_of_an_attributed_to_list(
    attributed_to: Any, author: str
) -> None:
    assert post(note(attributedTo=attributed_to)).author_uri == author


def test_scripts_and_event_handlers_are_removed_from_remote_html() -> None:
    reading = post(
        note(
            content='<p onclick="steal()">hi <a href="javascript:alert(1)">x</a></p>'
            "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>"
        )
    )

    assert "hi" in reading.content_html
    for gone in ("onclick", "<script", "alert", "javascript:", "onerror", "<img"):
        assert gone not in reading.content_html


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2021-11-01T12:23:50Z", datetime(2021, 11, 1, 12, 23, 50, tzinfo=UTC)),
        (
            "2022-03-01T20:58:48+02:00",
            datetime(2022, 3, 1, 20, 58, 48, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2021-11-01T12:23:50", None),  # naive: the zone is unknown
        ("SCRUBBED_DATE", None),
        (1636000000, None),
    ],
)
def test_dates_are_aware_or_none_and_never_refuse_the_post(
    published: Any, expected: datetime | None
) -> None:
    assert post(note(published=published)).published == expected


def test_a_direct_message_is_not_public() -> None:
    assert not post(fixture("lemmy/objects/private_message.json")).public


@pytest.mark.parametrize("alias", ["as:Public", "Public", PUBLIC])
def test_any_spelling_of_public_makes_a_post_public(alias: str) -> None:
    assert post(note(to=["https://social.example/users/bo"], cc=[alias])).public


# --- activities ------------------------------------------------------------------------


def test_a_community_announcing_a_new_thread_reads_as_announce_of_create_of_page() -> None:
    reading = read_activity(fixture("lemmy/activities/community/announce_create_page.json"))

    assert (reading.type, reading.actor) == ("Announce", "http://enterprise.lemmy.ml/c/main")
    create = inner(reading)
    assert (create.type, create.actor) == ("Create", "http://enterprise.lemmy.ml/u/lemmy_beta")
    page = post_of(create)
    assert (page.kind, page.title, page.content_html) == ("Page", "post 4", "")


def test_a_mastodon_boost_announces_a_uri_to_be_fetched() -> None:
    reading = read_activity(fixture("peertube/activities/announce_video.json"))

    assert reading.object == "https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1"


def test_leaving_a_lemmy_community_reads_as_undo_of_its_follow() -> None:
    reading = read_activity(fixture("lemmy/activities/following/undo_follow.json"))

    follow = inner(reading)
    assert reading.type == "Undo"
    assert (follow.type, follow.actor, follow.object) == (
        "Follow",
        "http://ds9.lemmy.ml/u/lemmy_alpha",
        "http://enterprise.lemmy.ml/c/main",
    )


def test_an_accept_embeds_the_follow_or_names_it() -> None:
    embedded = read_activity(fixture("lemmy/activities/following/accept.json"))
    named = read_activity(fixture("mitra/activities/accept.json"))

    assert inner(embedded).type == "Follow"
    assert named.object == (
        "https://voyager.lemmy.ml/activities/follow/7d782f02-b91d-4455-b6c0-772540f00c2d"
    )


def test_an_accept_of_a_typeless_embed_keeps_its_id() -> None:
    document = activity("Accept", {"id": "https://social.example/follows/7"})

    assert read_activity(document).object == "https://social.example/follows/7"


def test_a_mastodon_report_keeps_the_account_first_and_the_posts_after_it() -> None:
    reading = read_activity(fixture("mastodon/activities/flag.json"))

    assert reading.type == "Flag"
    assert reading.object == "https://example.com/users/1"
    assert reading.other_objects == (
        "https://example.com/posts/380590",
        "https://example.com/posts/380591",
    )
    assert reading.summary == "Please take a look at this user and their posts"  # from content


def test_a_lemmy_report_gives_its_reason_in_summary() -> None:
    reading = read_activity(fixture("lemmy/activities/community/report_page.json"))

    assert (reading.object, reading.summary) == (
        "http://enterprise.lemmy.ml/post/7",
        "report this post",
    )
    assert reading.to == ("http://enterprise.lemmy.ml/c/main",)


def test_a_community_ban_reads_with_its_reason_expiry_and_data_removal() -> None:
    reading = read_activity(fixture("lemmy/activities/block/block_user.json"))

    assert reading.type == "Block"
    assert reading.object == "http://ds9.lemmy.ml/u/lemmy_alpha"
    assert reading.target == "http://enterprise.lemmy.ml/c/main"
    assert reading.summary == "spam post"
    assert (reading.expires, reading.remove_data) == (
        datetime(2021, 11, 1, 12, 23, 50, 151874, tzinfo=UTC),
        True,
    )


def test_a_delete_with_an_embedded_tombstone_keeps_only_its_id() -> None:
    reading = read_activity(fixture("mastodon/activities/delete.json"))

    assert reading.object == "https://mastodon.madrid/users/felix/statuses/107773559874184870"


def test_a_moderators_removal_reason_is_the_summary() -> None:
    reading = read_activity(fixture("lemmy/activities/deletion/remove_note.json"))

    assert (reading.type, reading.summary) == ("Delete", "bad comment")
    assert reading.audience == "https://enterprise.lemmy.ml/c/main"


def test_adding_a_moderator_keeps_the_target_collection() -> None:
    reading = read_activity(fixture("lemmy/activities/community/add_mod.json"))

    assert reading.type == "Add"
    assert reading.target == "http://enterprise.lemmy.ml/c/main/moderators"


def test_a_community_update_carries_the_group_actor() -> None:
    reading = read_activity(fixture("lemmy/activities/community/update_community.json"))

    assert isinstance(reading.object, ActorDocument)
    assert reading.object.kind is ActorKind.GROUP
    assert reading.object.display_name == "The Updated Community"


def test_read_document_tells_activities_from_objects() -> None:
    assert isinstance(
        read_document(fixture("lemmy/activities/voting/like_note.json")), ActivityReading
    )
    assert isinstance(read_document(fixture("lemmy/objects/page.json")), PostReading)
    assert isinstance(read_document(fixture("lemmy/objects/person.json")), ActorDocument)


# --- refusals --------------------------------------------------------------------------


def test_mbins_scrubbed_placeholder_ids_are_refused_as_malformed() -> None:
    document = fixture("lemmy/activities/following/follow.json")
    document["id"] = "SCRUBBED_ID"

    with pytest.raises(Malformed, match="SCRUBBED_ID"):
        read_activity(document)


def test_a_post_without_an_author_is_refused() -> None:
    document = note()
    del document["attributedTo"]

    with pytest.raises(Malformed, match="attributedTo"):
        read_object(document)


# An Event is a meeting elsewhere now (tests/federation/test_event_readings.py).
@pytest.mark.parametrize("kind", ["Question", "Video", "Image", "Audio", "ChatMessage"])
def test_a_create_of_something_we_do_not_store_is_refused_naming_it(kind: str) -> None:
    create = activity("Create", note(type=kind))

    with pytest.raises(Unsupported, match=kind):
        read_activity(create)


# A Join reads (the Accept of our member's Join of an Event names it).
@pytest.mark.parametrize("kind", ["Offer", "Invite", "Move", "EmojiReact", "Bite"])
def test_activities_we_do_not_act_on_are_refused_naming_them(kind: str) -> None:
    with pytest.raises(Unsupported, match=kind):
        read_activity(activity(kind, "https://social.example/groups/g"))


def test_a_join_names_the_event_it_asks_to_come_to() -> None:
    """Mobilizon's participation: the Event by its id (an embedded copy is not trusted)."""
    event = "https://kin.example/meetings/abc123"
    for shape in (event, {"id": event, "type": "Event"}, [event]):
        assert read_activity(activity("Join", shape)).object == event


def test_an_announce_wrapping_an_unsupported_activity_is_refused_whole() -> None:
    warn = fixture("lemmy/activities/community/warn.json")
    announce = activity("Announce", warn)

    with pytest.raises(Unsupported, match="Warn"):
        read_activity(announce)


def test_absurd_nesting_is_refused() -> None:
    document: dict[str, Any] = fixture("lemmy/activities/voting/like_note.json")
    for _ in range(6):
        document = activity("Announce", copy.deepcopy(document))

    with pytest.raises(Malformed, match="nested"):
        read_activity(document)
