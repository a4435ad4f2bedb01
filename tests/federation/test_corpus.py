"""Every captured payload is read whole or refused by name, never half-read or crashed on.

``activitypub/<platform>/{activities,objects,collections}`` are Lemmy's interop assets for
a dozen servers; ``activitypub-extra/`` adds Mobilizon's, Pleroma's, Mbin's, Fedify's and
bovine's test data. The REJECTED tables list each refusal and a substring its message must
contain, so that a table only shrinks on purpose (reading more) and a refusal never changes
its reason unnoticed.

Collections: the type must be a (Ordered)Collection or a page of one; each embedded item
(in ``orderedItems``/``items``, or in an embedded ``first`` page) is read as whatever its
type says, activity or object, and each bare item must be an http(s) URI. Pages that are
only linked are not followed: nothing here touches the network.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from federation.protocol.event_readings import EventReading
from federation.protocol.readings import (
    ActivityReading,
    Unsupported,
    read_activity,
    read_document,
    read_object,
)
from federation.protocol.vocab import Malformed, as_list, require_uri, type_of
from tests.shared_fixtures import SHARED_FIXTURES

CORPUS = SHARED_FIXTURES / "activitypub"
EXTRA = SHARED_FIXTURES / "activitypub-extra"
COLLECTION_TYPES = {"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"}
NOT_ACTIVITYSTREAMS = "not ActivityStreams"

REJECTED: dict[str, str] = {
    # Lemmy moderation notes that nothing on this node acts on.
    "lemmy/activities/community/resolve_report_page.json": "Resolve activities",
    "lemmy/activities/community/warn.json": "Warn activities",
    # Private chat (Lemmy 0.19+, Pleroma): not a group post.
    "lemmy/activities/create_or_update/create_private_message_0.19.json": "ChatMessage",
    "pleroma/objects/chat_message.json": "ChatMessage",
    # A fetch that finds a Tombstone: the post is gone, there is nothing to store.
    "lemmy/objects/tombstone.json": "Tombstone",
    "lotide/objects/tombstone.json": "Tombstone",
    # A bare Note kept among the activities: an object, not an activity.
    "mastodon/activities/private_message.json": "Note is an object, not an activity",
    "peertube/objects/video.json": "Video objects",
}

MBIN_SNAPSHOTS = "MbinOrg+mbin/tests/Unit/ActivityPub/Outbox/JsonSnapshots/"
FEDIFY = "fedify-dev+fedify/packages/fixture/src/fixtures/"
MOBILIZON = "framasoft+mobilizon/test/fixtures/"
PLEROMA = "pleroma-social+pleroma/test/fixtures/"

# A key ending in "/" stands for every file below that folder.
EXTRA_REJECTED: dict[str, str] = {
    # Mbin's own outbound snapshots carry "SCRUBBED_ID" placeholders for ids (all 111).
    MBIN_SNAPSHOTS: "'SCRUBBED_ID'",
    "HelgeKrueger+bovine/tests/data/peertube_create_video_1.json": "Video objects",
    # Fedify: JSON-LD contexts kept for an offline loader, and deliberately odd documents.
    FEDIFY + "gotosocial.org/ns.json": NOT_ACTIVITYSTREAMS,
    FEDIFY + "w3id.org/": NOT_ACTIVITYSTREAMS,
    FEDIFY + "www.w3.org/": NOT_ACTIVITYSTREAMS,
    FEDIFY + "example.com/hong-gildong.json": "type is missing",  # expanded JSON-LD
    FEDIFY + "example.com/test.json": "type is missing",
    FEDIFY + "example.com/wrong-type.json": "type is missing",
    FEDIFY + "example.com/announce.json": "actor is missing",
    FEDIFY + "example.com/create.json": "Create has no object",
    FEDIFY + "example.com/cross-origin-actor.json": "Create has no object",
    FEDIFY + "example.com/invite.json": "Invite activities",
    FEDIFY + "example.com/key.json": "CryptographicKey objects",
    FEDIFY + "example.com/key2.json": "CryptographicKey objects",
    FEDIFY + "example.com/object.json": "Object objects",
    FEDIFY + "media.example.com/avatars/test-avatar.jpg.json": "Image objects",
    # Collections of id-less Notes (Fedify tests paging, not objects).
    FEDIFY + "example.com/collection.json": "id is missing",
    FEDIFY + "example.com/inline-paged-collection.json": "id is missing",
    FEDIFY + "example.com/inline-paged/a.json": "id is missing",
    FEDIFY + "example.com/paged/a.json": "id is missing",
    FEDIFY + "example.com/paged/b.json": "id is missing",
    # Actors without preferredUsername: remote_actors needs a handle.
    FEDIFY + "example.com/person.json": "preferredUsername is missing",
    FEDIFY + "example.com/person2.json": "preferredUsername is missing",
    FEDIFY + "example.com/users/handle.json": "preferredUsername is missing",
    FEDIFY + "remote.domain/users/bob.json": "preferredUsername is missing",
    FEDIFY + "server.example/users/alice.json": "preferredUsername is missing",
    # Mobilizon: invitations, group membership, and WebFinger answers. (Its Events, Join and
    # Leave read: see test_event_payloads_map_to_meetings and tests/federation/
    # test_event_readings.py.)
    MOBILIZON + "mobilizon-invite-activity.json": "Invite activities",
    MOBILIZON + "mobilizon-members-collection.json": "Member objects",
    MOBILIZON + "peertube-video.json": "Video objects",
    MOBILIZON + "webfinger/": NOT_ACTIVITYSTREAMS,
    # Pleroma: client-to-server drafts, templates, chats, reactions, polls, media, WebFinger.
    PLEROMA + "activitypub-client-post-activity.json": "id is missing",
    PLEROMA + "relay/accept-follow.json": "'{{activity_id}}'",
    PLEROMA + "create-chat-message.json": "ChatMessage",
    PLEROMA + "emoji-reaction-no-emoji.json": "EmojiReact activities",
    PLEROMA + "emoji-reaction-too-long.json": "EmojiReact activities",
    PLEROMA + "emoji-reaction.json": "EmojiReact activities",
    PLEROMA + "mastodon-question-activity.json": "Question objects",
    PLEROMA + "tesla_mock/misskey_poll_no_end_date.json": "Question objects",
    PLEROMA + "tesla_mock/poll_attachment.json": "Question objects",
    PLEROMA + "tesla_mock/poll_modified.json": "Question objects",
    PLEROMA + "tesla_mock/poll_original.json": "Question objects",
    PLEROMA + "tesla_mock/framatube.org-video.json": "Video objects",
    PLEROMA + "tesla_mock/peertube-social.json": "Video objects",
    PLEROMA + "tesla_mock/peertube.moe-vid.json": "Video objects",
    PLEROMA + "tesla_mock/funkwhale_audio.json": "Audio objects",
    PLEROMA + "tesla_mock/funkwhale_create_audio.json": "Audio objects",
    PLEROMA + "tesla_mock/framasoft@framatube.org.json": NOT_ACTIVITYSTREAMS,
    PLEROMA + "tesla_mock/kaniini@gerzilla.de.json": NOT_ACTIVITYSTREAMS,
    PLEROMA + "tesla_mock/mike@osada.macgirvin.com.json": NOT_ACTIVITYSTREAMS,
    PLEROMA + "tesla_mock/pekorino@pawoo.net_host_meta.json": NOT_ACTIVITYSTREAMS,
    PLEROMA + "tesla_mock/snowdusk@sdf.org_host_meta.json": NOT_ACTIVITYSTREAMS,
    PLEROMA + "tesla_mock/webfinger_emelie.json": NOT_ACTIVITYSTREAMS,
    PLEROMA + "tesla_mock/winterdienst_webfinger.json": NOT_ACTIVITYSTREAMS,
}

# Mbin's snapshots once "SCRUBBED_ID" is a real URI: what is left is the shape itself.
MBIN_UNSCRUBBED_REJECTED: dict[str, str] = {
    "AnnounceTest__testAnnounceCreateMessage__1.json": "ChatMessage",
    "CreateTest__testCreateMessage__1.json": "ChatMessage",
}


class NotActivityStreams(ValueError):
    """A file kept beside the payloads (JSON-LD context, WebFinger JRD) that is no payload."""


def json_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.json"))


CORPUS_FILES = json_files(CORPUS)
EXTRA_FILES = json_files(EXTRA)
MBIN_FILES = sorted(name.rsplit("/", 1)[1] for name in EXTRA_FILES if MBIN_SNAPSHOTS in name)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def expected_refusal(table: dict[str, str], relative: str) -> str | None:
    """The file's own entry, else the entry of the deepest folder holding it."""
    if relative in table:
        return table[relative]
    folders = [key for key in table if key.endswith("/") and relative.startswith(key)]
    return table[max(folders, key=len)] if folders else None


def read_collection(document: Any) -> None:
    """The collection reading described in the module docstring."""
    if not isinstance(document, dict) or type_of(document) not in COLLECTION_TYPES:
        raise Malformed("not a Collection or OrderedCollection")
    pages = [document]
    if isinstance(document.get("first"), dict):
        pages.append(document["first"])
    for page in pages:
        for item in as_list(page.get("orderedItems")) + as_list(page.get("items")):
            if isinstance(item, dict):
                read_document(item)
            else:
                require_uri(item, "collection item")


def read_corpus_file(relative: str, document: Any) -> None:
    """By folder: activities are activities, objects objects, collections collections."""
    folder = relative.split("/")[1]
    if folder == "activities":
        read_activity(document)
    elif folder == "objects":
        read_object(document)
    elif folder == "collections":
        read_collection(document)
    else:
        raise AssertionError(f"{relative} is in no folder the corpus test knows")


def read_extra_file(document: Any) -> None:
    """No folders to go by: a collection by its type, anything else as activity or object."""
    if isinstance(document, dict) and set(document) == {"@context"}:
        raise NotActivityStreams(f"{NOT_ACTIVITYSTREAMS}: a JSON-LD context")
    if isinstance(document, dict) and "subject" in document and "links" in document:
        raise NotActivityStreams(f"{NOT_ACTIVITYSTREAMS}: a WebFinger/host-meta JRD")
    if isinstance(document, dict) and document.get("type") in COLLECTION_TYPES:
        read_collection(document)
    else:
        read_document(document)


def check(read: Any, document: Any, expected: str | None) -> None:
    if expected is None:
        read(document)
        return
    with pytest.raises((Malformed, Unsupported, NotActivityStreams), match=re.escape(expected)):
        read(document)


def test_the_corpus_is_where_the_tests_look() -> None:
    assert len(CORPUS_FILES) >= 124, f"fixtures missing under {CORPUS}"
    assert len(EXTRA_FILES) >= 300, f"fixtures missing under {EXTRA}"


@pytest.mark.parametrize("relative", CORPUS_FILES)
def test_each_server_payload_reads_whole_or_is_refused_for_its_stated_reason(
    relative: str,
) -> None:
    document = load(CORPUS / relative)
    check(lambda d: read_corpus_file(relative, d), document, REJECTED.get(relative))


@pytest.mark.parametrize("relative", EXTRA_FILES)
def test_each_extra_payload_reads_whole_or_is_refused_for_its_stated_reason(
    relative: str,
) -> None:
    document = load(EXTRA / relative)
    check(read_extra_file, document, expected_refusal(EXTRA_REJECTED, relative))


@pytest.mark.parametrize("name", MBIN_FILES)
def test_mbin_shapes_read_once_their_placeholder_ids_are_uris(name: str) -> None:
    text = (EXTRA / MBIN_SNAPSHOTS / name).read_text(encoding="utf-8")
    document = json.loads(text.replace('"SCRUBBED_ID"', '"https://mbin.example/scrubbed"'))
    check(read_document, document, MBIN_UNSCRUBBED_REJECTED.get(name))


@pytest.mark.parametrize(
    ("root", "table"),
    [
        pytest.param(CORPUS, REJECTED, id="activitypub"),
        pytest.param(EXTRA, EXTRA_REJECTED, id="activitypub-extra"),
        pytest.param(EXTRA / MBIN_SNAPSHOTS, MBIN_UNSCRUBBED_REJECTED, id="mbin-unscrubbed"),
    ],
)
def test_every_refusal_names_a_file_or_folder_that_exists(
    root: Path, table: dict[str, str]
) -> None:
    stale = [key for key in table if not (root / key).exists()]
    assert stale == []
    folders = [key for key in table if key.endswith("/")]
    assert all((root / key).is_dir() and any((root / key).rglob("*.json")) for key in folders)


EVENT_PAYLOADS = [
    CORPUS / "mobilizon/objects/event.json",
    EXTRA / MOBILIZON / "gancio-event-activity.json",
    EXTRA / MOBILIZON / "mobilizon-post-activity-group.json",
    EXTRA / MOBILIZON / "mobilizon-post-activity-media-1.json",
    EXTRA / MOBILIZON / "mobilizon-post-activity-media-2.json",
    EXTRA / MOBILIZON / "mobilizon-post-activity-media.json",
    EXTRA / MOBILIZON / "mobilizon-post-activity.json",
    EXTRA / PLEROMA / "tesla_mock/mobilizon.org-event.json",
]


@pytest.mark.parametrize("path", EVENT_PAYLOADS, ids=lambda path: path.name)
def test_event_payloads_map_to_meetings(path: Path) -> None:
    """Mobilizon's and Gancio's Events, once refused, read as meetings elsewhere (their
    fields one by one: tests/federation/test_event_readings.py)."""
    reading = read_document(load(path))
    event = reading.object if isinstance(reading, ActivityReading) else reading
    assert isinstance(event, EventReading)
    assert event.title
    assert event.starts_at < event.ends_at
    assert event.organizer_uri.startswith(("http://", "https://"))
