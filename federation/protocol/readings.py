"""Reading what other servers send: ActivityStreams JSON into typed readings.

Design note: every payload from the network passes through these pure
functions before anything acts on it, so the question "do we understand what
Lemmy, Mastodon, Mbin, PieFed, Friendica … send?" is answered in one place and
tested against their captured payloads (``tests/federation/test_corpus.py``).
A reading is either returned whole or refused with ``Malformed`` (broken: a
missing id, a non-URI where a URI must be) or ``Unsupported`` (well-formed but
not something a peer-support node stores: a Video, a Question);
never half-read. HTML is sanitized as it is read (``post_readings``), so no
unsanitized remote markup reaches the domain.

Nothing here touches the database or the network; the inbox's handlers
(``federation.inbox.handlers``) decide what a reading means for the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from federation.protocol.anonymous_posts import is_token
from federation.protocol.event_readings import EVENT_TYPE, EventReading, read_event
from federation.protocol.post_readings import (
    POST_TYPES,
    PostReading,
    first_uri,
    optional_uri,
    plain_text,
    read_date,
    read_post,
)
from federation.protocol.vocab import (
    Malformed,
    as_list,
    ids_of,
    require_uri,
    type_of,
)
from federation.remote.actors import ACTOR_TYPES, ActorDocument, parse_actor

# What the inbox acts on. Invite (Mobilizon), Move (migration), Resolve and Warn (Lemmy
# moderation notes) and EmojiReact are refused by name: nothing here would act on them.
# ``Join`` and ``Leave`` of one of our meetings' Events are Mobilizon's participation
# (``federation.inbox.handlers.meetings``); a ``Join`` is also read so that the ``Accept``
# or ``Reject`` of our member's Join of a meeting elsewhere can name it; a ``Leave`` also
# ends a conversation (``federation.protocol.conversations``) or our member's RSVP.
ACTIVITY_TYPES = frozenset(
    {
        "Create",
        "Update",
        "Delete",
        "Follow",
        "Accept",
        "Reject",
        "Undo",
        "Announce",
        "Like",
        "Dislike",
        "Flag",
        "Block",
        "Add",
        "Remove",
        "Lock",
        "Leave",
        "Join",
    }
)
# Known to be activities although we do not act on them, so that the refusal says "activity".
OTHER_ACTIVITY_TYPES = frozenset(
    {
        "Arrive",
        "EmojiReact",
        "Ignore",
        "Invite",
        "Listen",
        "Move",
        "Offer",
        "Read",
        "Resolve",
        "TentativeAccept",
        "TentativeReject",
        "Travel",
        "View",
        "Warn",
    }
)
# The object is a reference: the target is looked up (or fetched) by its id, never trusted
# from an embedded copy (Mastodon embeds a Tombstone in Delete; Lemmy may embed the actor).
_BY_REFERENCE = frozenset(
    {
        "Follow",
        "Like",
        "Dislike",
        "Delete",
        "Flag",
        "Block",
        "Add",
        "Remove",
        "Lock",
        "Leave",
        "Join",
    }
)
_WRAPPERS = frozenset({"Undo", "Accept", "Reject"})  # the object is another activity
_MAX_NESTING = 4  # Announce(Undo(Like)) is 3 deep; anything deeper is not a real server


class Unsupported(ValueError):
    """A well-formed payload of a kind this node does not store or act on; says which."""


@dataclass(frozen=True)
class ActivityReading:
    """One activity. ``object`` is whatever it acts on, read as far as it is embedded:
    a ``PostReading``, an ``EventReading`` (a meeting elsewhere), an ``ActorDocument``, a
    nested ``ActivityReading`` (Announce, Undo, Accept/Reject of a Follow or a Join), or a
    bare URI string to be fetched."""

    id: str
    type: str  # Create, Update, Delete, Follow, Accept, Reject, Undo, Announce, Like, Dislike, …
    actor: str
    object: PostReading | EventReading | ActorDocument | ActivityReading | str
    target: str | None = None  # Add/Remove (featured, moderators), Flag context
    audience: str | None = None  # FEP-1b12, on the activity itself
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    summary: str = ""  # Flag's reason, Block's reason (plain text)
    # The objects named after the first, where the type takes several (Mastodon's Flag
    # names the account reported, then its posts).
    other_objects: tuple[str, ...] = ()
    expires: datetime | None = None  # when a Block (a ban) ends; None: never, or unreadable
    remove_data: bool | None = None  # Lemmy's removeData on Block and Delete
    care: bool = False  # a Flag marked as a care report (Kinfolk's ``care``)
    # A Create that asks to talk (Kinfolk's ``contactRequest``): its note is the first
    # message of a conversation by consent (``federation.protocol.conversations``).
    contact_request: bool = False
    # The embedded post or actor as sent, for what is stored whole (a group's document
    # carries its rules and settings): passed on, never read from, past this module.
    document: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def object_id(self) -> str:
        """The id of what it acts on, embedded or named."""
        if isinstance(self.object, str):
            return self.object
        if isinstance(self.object, ActivityReading):
            return self.object.id
        return self.object.uri


def read_activity(document: dict[str, Any]) -> ActivityReading:
    """Read an activity, or raise ``Malformed`` / ``Unsupported`` saying why."""
    return _activity(document, depth=0)


def read_object(document: dict[str, Any]) -> PostReading | EventReading | ActorDocument:
    """Read a fetched object (a post, an Event or an actor), or raise ``Malformed`` /
    ``Unsupported``."""
    if not isinstance(document, dict):
        raise Malformed("the object is not a JSON object")
    kind = type_of(document)
    if kind in POST_TYPES:
        return read_post(document, kind)
    if kind == EVENT_TYPE:
        return read_event(document)
    if kind in ACTOR_TYPES:
        return parse_actor(document)
    if _is_activity(kind):
        raise Unsupported(f"{kind} is an activity, not an object")
    if kind == "Tombstone":
        # A fetch that answers with a Tombstone means "deleted": not a post to store.
        raise Unsupported("Tombstone: the object was deleted")
    raise Unsupported(f"{kind} objects are not something this node stores")


def read_document(
    document: dict[str, Any],
) -> ActivityReading | PostReading | EventReading | ActorDocument:
    """An activity or an object, read by its type: for collection items and other embeds
    whose kind is not known in advance."""
    if isinstance(document, dict) and _is_activity(type_of(document)):
        return read_activity(document)
    return read_object(document)


def _is_activity(kind: str) -> bool:
    return kind in ACTIVITY_TYPES or kind in OTHER_ACTIVITY_TYPES


# --- activities -------------------------------------------------------------------------


def _activity(document: Any, depth: int) -> ActivityReading:
    """The common envelope (id, actor, addressing), then the object as the type wants it."""
    if not isinstance(document, dict):
        raise Malformed("the activity is not a JSON object")
    if depth > _MAX_NESTING:
        raise Malformed("activities are nested too deeply")
    kind = type_of(document)
    if kind not in ACTIVITY_TYPES:
        if kind in POST_TYPES or kind in ACTOR_TYPES:
            raise Unsupported(f"{kind} is an object, not an activity")
        if kind in OTHER_ACTIVITY_TYPES:
            raise Unsupported(f"{kind} activities are not something this node acts on")
        raise Unsupported(f"{kind} is not an activity this node reads")
    uri = require_uri(document.get("id"), "id")
    actor = first_uri(document.get("actor"), "actor")
    if "object" not in document or document["object"] is None:
        raise Malformed(f"{kind} has no object")
    obj, others, embedded = _object_of(kind, document["object"], depth)
    return ActivityReading(
        id=uri,
        type=kind,
        actor=actor,
        object=obj,
        target=optional_uri(document.get("target"), "target"),
        audience=optional_uri(document.get("audience"), "audience"),
        to=tuple(ids_of(document.get("to"))),
        cc=tuple(ids_of(document.get("cc"))),
        summary=_reason(kind, document),
        other_objects=others,
        expires=_ban_end(kind, document),
        remove_data=_remove_data(kind, document),
        care=kind == "Flag" and document.get("care") is True,
        contact_request=kind == "Create" and document.get("contactRequest") is True,
        document=embedded,
    )


_Object = PostReading | EventReading | ActorDocument | ActivityReading | str


def _object_of(
    kind: str, value: Any, depth: int
) -> tuple[_Object, tuple[str, ...], dict[str, Any] | None]:
    """What the activity acts on (a reference, a full object, or a nested activity), the
    further objects a reference type names, and the object as sent when it is a post or
    an actor or an Event."""
    if kind in _BY_REFERENCE:
        refs = as_list(value)
        if not refs:
            raise Malformed(f"{kind} has no object")
        # A group's ban of an anonymous writer from another node names the writer's token
        # (federation.protocol.anonymous_posts), a URN.
        token = kind == "Block" and isinstance(refs[0], str) and is_token(refs[0])
        first = refs[0] if token else require_uri(refs[0], "object")
        # Mastodon's Flag lists the reported account and then the reported posts.
        return first, tuple(require_uri(ref, "object") for ref in refs[1:]), None
    if isinstance(value, list):
        # Only reference types (above) may carry several objects; elsewhere it is ambiguous.
        if len(value) != 1:
            raise Malformed(f"{kind} has {len(value)} objects; one is expected")
        value = value[0]
    if isinstance(value, str):
        if kind == "Block" and is_token(value):  # as above
            return value, (), None
        return require_uri(value, "object"), (), None
    if not isinstance(value, dict):
        raise Malformed(f"{kind}'s object is neither a URI nor an object")
    if "type" not in value and kind != "Create":
        # Some servers embed only {"id": …} of the Follow they accept: a reference after all.
        return require_uri(value, "object"), (), None
    if kind in _WRAPPERS:
        inner_kind = type_of(value)
        if not _is_activity(inner_kind):
            raise Unsupported(f"{kind} of a {inner_kind} is not something this node acts on")
        return _activity(value, depth + 1), (), None
    if kind == "Announce" and _is_activity(type_of(value)):
        return _activity(value, depth + 1), (), None
    # Create, Update, and Announce of an object carry the whole object.
    return read_object(value), (), value


def _ban_end(kind: str, document: dict[str, Any]) -> datetime | None:
    """When a ban ends: Mbin and Lemmy 0.19 say ``expires``, older Lemmy ``endTime`` (we send
    both); the first readable wins. None: permanent (null, or absent), or unreadable."""
    if kind != "Block":
        return None
    return read_date(document.get("expires")) or read_date(document.get("endTime"))


def _remove_data(kind: str, document: dict[str, Any]) -> bool | None:
    """Lemmy's ``removeData``: a ban or a removal that also takes the member's content."""
    value = document.get("removeData")
    return value if kind in {"Block", "Delete"} and isinstance(value, bool) else None


def _reason(kind: str, document: dict[str, Any]) -> str:
    """``summary`` as plain text; Mastodon puts a Flag's comment in ``content`` instead."""
    summary = document.get("summary")
    if isinstance(summary, str) and summary.strip():
        return plain_text(summary)
    content = document.get("content")
    if kind == "Flag" and isinstance(content, str):
        return plain_text(content)
    return ""


__all__ = [
    "ACTIVITY_TYPES",
    "ActivityReading",
    "Malformed",
    "Unsupported",
    "read_activity",
    "read_document",
    "read_object",
]
