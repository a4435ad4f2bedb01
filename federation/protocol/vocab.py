"""ActivityStreams vocabulary and the tolerant readers real payloads need.

Servers send the same property as a string, an object or a list of either
(``"actor": "https://…"`` or ``"actor": {"id": …}`` or ``[…]``). These helpers
read every shape, and anything unreadable raises one error, ``Malformed``,
whose message says what was wrong, for the 400 answer and the log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
ACTIVITY_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json"})

# Kinfolk's namespace, for the terms no other vocabulary has.
KINFOLK_NS = "https://w3id.org/kinfolk/ns#"
# A Flag that is a care report ("I'm worried about this person"), not an accusation.
CARE_TERM = "kinfolk:care"

# Extension terms we emit (and understand) beyond the core vocabulary. JSON-LD peers
# (Fedify) expand our documents and ignore what is not defined here or in the contexts
# named before it; tests/federation/test_jsonld.py expands every document we serve.
EXTENSIONS: dict[str, Any] = {
    # FEP-521a: the Ed25519 key. multikey/v1 defines Multikey and its properties but not
    # assertionMethod; did/v1 (Fedify's choice) would, at the cost of one more context
    # for every peer to fetch, so the term is defined here as did/v1 defines it.
    "assertionMethod": {
        "@id": "https://w3id.org/security#assertionMethod",
        "@type": "@id",
        "@container": "@set",
    },
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "lemmy": "https://join-lemmy.org/ns#",
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "moderators": {"@id": "lemmy:moderators", "@type": "@id"},
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "suspended": "toot:suspended",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "implements": {"@id": "https://w3id.org/fep/844e/implements", "@type": "@id"},
    # A group's rules, as HTML: PieFed's term, which PieFed reads (federation.protocol.group_rules).
    "piefed": "https://piefed.social/ns#",
    "rules": "piefed:rules",
    # A post's support topics, as tags (federation.protocol.topic_tags).
    "SupportTopic": "https://w3id.org/kinfolk/ns#SupportTopic",
    # A group's crisis resources (federation.protocol.crisis_resources), in order.
    "kinfolk": KINFOLK_NS,
    "crisisResources": {"@id": "kinfolk:crisisResources", "@container": "@list"},
    "CrisisResource": "kinfolk:CrisisResource",
    "contactKind": "kinfolk:contactKind",
    "contact": "kinfolk:contact",
    "country": "kinfolk:country",
    "languages": "kinfolk:languages",
    "hours": "kinfolk:hours",
    "hoursMap": {"@id": "kinfolk:hours", "@container": "@language"},
    "note": "kinfolk:note",
    "noteMap": {"@id": "kinfolk:note", "@container": "@language"},
    # A group that takes anonymous posts from members of other Kinfolk nodes, and the
    # opaque token of such a post's writer (federation.protocol.anonymous_posts).
    "anonymousPosts": "kinfolk:anonymousPosts",
    "anonymousToken": {"@id": "kinfolk:anonymousToken", "@type": "@id"},
    # An anonymous writer's number within a thread ("Anonymous 2"), as the group gives it.
    "anonymousLabel": "https://w3id.org/kinfolk/ns#anonymousLabel",
    # A member's check-in shared with a group: its scale, 1 to 5 (node.checkins).
    "checkIn": "https://w3id.org/kinfolk/ns#checkIn",
}
CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, MULTIKEY_CONTEXT, EXTENSIONS]
# Activities need less, but every term they use: the posts they embed say ``sensitive``
# (and tag their support topics),
# a thread's lock is Lemmy's ``Lock``, and a ban's end is ``expires``, which Lemmy's
# context maps to ActivityStreams' ``endTime``. Every delivery carries it, so it stays
# this small.
ACTIVITY_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        "sensitive": EXTENSIONS["sensitive"],
        "lemmy": EXTENSIONS["lemmy"],
        "Lock": "lemmy:Lock",
        "expires": "as:endTime",
        "SupportTopic": EXTENSIONS["SupportTopic"],
        "anonymousLabel": EXTENSIONS["anonymousLabel"],
        "checkIn": EXTENSIONS["checkIn"],
    },
]

# An anonymous post sent to a group elsewhere, and a ban of its writer, carry the token
# (federation.protocol.anonymous_posts).
ANONYMOUS_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        **ACTIVITY_CONTEXT[1],
        "kinfolk": KINFOLK_NS,
        "anonymousToken": EXTENSIONS["anonymousToken"],
    },
]

# A care Flag carries its one extension term (federation.outbox.handlers.flags).
CARE_FLAG_CONTEXT: list[Any] = [AS_CONTEXT, {"kinfolk": KINFOLK_NS, "care": CARE_TERM}]

# The Create of a conversation's first message asks to talk (federation.protocol.conversations).
CONTACT_REQUEST_TERM = "kinfolk:contactRequest"
CONVERSATION_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {"kinfolk": KINFOLK_NS, "contactRequest": CONTACT_REQUEST_TERM},
]


def with_context(document: Mapping[str, Any], *, context: Any = ACTIVITY_CONTEXT) -> dict[str, Any]:
    """``document`` as it is sent or served, its ``@context`` first: the one place one is
    added (nested objects and activities carry none)."""
    return {"@context": context, **document}


class Malformed(ValueError):
    """A payload that cannot be read as the ActivityPub we understand."""


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a reference given as a URI string or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        ref = value.get("id")
        return ref if isinstance(ref, str) else None
    return None


def ids_of(value: Any) -> list[str]:
    return [ref for item in as_list(value) if (ref := id_of(item)) is not None]


def require_uri(value: Any, what: str) -> str:
    """An absolute http(s) URI, or ``Malformed`` naming ``what``."""
    ref = id_of(value)
    if ref is None:
        raise Malformed(f"{what} is missing or not a URI")
    parts = urlsplit(ref)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Malformed(f"{what} is not an http(s) URI: {ref[:200]!r}")
    return ref


def host_of(uri: str) -> str:
    """The authority (host and port) that owns a URI, lower-cased."""
    return urlsplit(uri).netloc.lower()


def same_origin(a: str, b: str) -> bool:
    return host_of(a) == host_of(b) and urlsplit(a).scheme == urlsplit(b).scheme


def type_of(document: Mapping[str, Any]) -> str:
    kind = document.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if isinstance(k, str)), None)
    if not isinstance(kind, str) or not kind:
        raise Malformed("type is missing")
    return kind
