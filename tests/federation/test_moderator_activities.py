"""Lemmy's moderator activities as captured: a thread's Lock and its Undo, a removal and
its Undo, read whole and recognised as the moderators' acts that a group announces."""

from __future__ import annotations

import pytest

from federation.inbox.announces import _is_removal, _is_thread_moderation
from federation.protocol.readings import ActivityReading, read_activity
from federation.protocol.vocab import Malformed
from tests.shared_fixtures import activitypub_fixture

LOCK_PAGE = "lemmy/activities/community/lock_page.json"
UNDO_LOCK_PAGE = "lemmy/activities/community/undo_lock_page.json"
LOCK_NOTE = "lemmy/activities/community/lock_note.json"
REMOVE_NOTE = "lemmy/activities/deletion/remove_note.json"
UNDO_REMOVE_NOTE = "lemmy/activities/deletion/undo_remove_note.json"


def test_a_lock_names_the_thread_by_its_id_with_the_reason_in_summary() -> None:
    reading = read_activity(activitypub_fixture(LOCK_PAGE))
    assert (reading.type, reading.actor) == ("Lock", "http://lemmy-alpha:8541/u/lemmy_alpha")
    assert reading.object == "http://lemmy-alpha:8541/post/2"
    assert (reading.summary, reading.audience) == (
        "A reason for the lock",
        "http://lemmy-alpha:8541/c/main",
    )


def test_an_unlock_is_the_undo_of_a_lock_by_the_same_moderator() -> None:
    reading = read_activity(activitypub_fixture(UNDO_LOCK_PAGE))
    assert reading.type == "Undo"
    assert reading.summary == "A reason for the unlock"
    lock = reading.object
    assert isinstance(lock, ActivityReading)
    assert (lock.type, lock.object, lock.actor) == (
        "Lock",
        "http://lemmy-alpha:8541/post/2",
        reading.actor,
    )


def test_a_restoring_is_the_undo_of_a_moderators_delete() -> None:
    reading = read_activity(activitypub_fixture(UNDO_REMOVE_NOTE))
    removal = reading.object
    assert isinstance(removal, ActivityReading)
    assert (reading.type, removal.type, removal.object) == (
        "Undo",
        "Delete",
        "http://ds9.lemmy.ml/comment/1",
    )
    assert removal.summary == "bad comment"


@pytest.mark.parametrize("relative", [LOCK_PAGE, UNDO_LOCK_PAGE, LOCK_NOTE, UNDO_REMOVE_NOTE])
def test_each_is_taken_as_a_moderators_act_when_a_group_announces_it(relative: str) -> None:
    assert _is_thread_moderation(activitypub_fixture(relative)) is True


def test_a_removal_itself_and_an_authors_undelete_are_not_thread_moderation() -> None:
    removal = activitypub_fixture(REMOVE_NOTE)
    assert _is_removal(removal) is True
    assert _is_thread_moderation(removal) is False
    undelete = activitypub_fixture("lemmy/activities/deletion/undo_delete_page.json")
    assert _is_thread_moderation(undelete) is False


def test_no_one_undoes_another_actors_lock() -> None:
    forged = activitypub_fixture(UNDO_LOCK_PAGE)
    forged["object"]["actor"] = "http://lemmy-alpha:8541/u/someone_else"
    with pytest.raises(Malformed, match="its own lock or removal"):
        _is_thread_moderation(forged)
