"""The care Flag: what a Kinfolk node advertises so that peers send it one, how it is read,
and that it means the same to a JSON-LD processor as to a plain JSON reader."""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation.protocol import activities
from federation.protocol.readings import read_activity
from federation.protocol.vocab import CARE_FLAG_CONTEXT, with_context
from federation.remote.actors import parse_actor
from federation.signing.capabilities import CARE_REPORTS_HREF, GENERATOR, reads_care_reports
from tests.jsonld import expand, undefined_terms
from tests.shared_fixtures import SHARED_FIXTURES

FIXTURES = SHARED_FIXTURES / "activitypub"
FLAG = activities.care_flag(
    "https://kin.example/reports/01J",
    "https://kin.example/actor",
    ["https://other.example/posts/7", "https://other.example/members/bo"],
    to="https://other.example/members/bo",
)


def _fixture(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / relative).read_text("utf-8"))
    return document


def test_a_kinfolk_actor_says_it_reads_care_reports() -> None:
    assert reads_care_reports({"generator": GENERATOR})
    assert reads_care_reports({"implements": [CARE_REPORTS_HREF]})


@pytest.mark.parametrize(
    "relative",
    [
        "lemmy/objects/person.json",
        "lemmy/objects/group.json",
        "mastodon/objects/person.json",
        "friendica/objects/person_1.json",
        "wordpress/objects/group.json",
    ],
)
def test_other_software_is_never_taken_for_a_care_reader(relative: str) -> None:
    assert parse_actor(_fixture(relative)).care_reports is False


def test_the_care_flag_carries_no_words_and_is_read_as_care() -> None:
    assert "content" not in FLAG
    assert "summary" not in FLAG
    reading = read_activity(with_context(FLAG, context=CARE_FLAG_CONTEXT))
    assert reading.care
    assert (reading.object_id, reading.other_objects) == (
        "https://other.example/posts/7",
        ("https://other.example/members/bo",),
    )


@pytest.mark.parametrize(
    "relative",
    ["mastodon/activities/flag.json", "mbin/activities/flag.json"],
)
def test_other_flags_are_not_care(relative: str) -> None:
    assert read_activity(_fixture(relative)).care is False


def test_only_true_itself_marks_care() -> None:
    assert read_activity({**FLAG, "care": "true"}).care is False


def test_a_json_ld_processor_reads_care_as_kinfolks_term() -> None:
    expanded = expand(with_context(FLAG, context=CARE_FLAG_CONTEXT))
    assert undefined_terms(expanded) == set()
    assert expanded["https://w3id.org/kinfolk/ns#care"] == [{"@value": True}]
