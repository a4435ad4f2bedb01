"""Reading what other servers send: ActivityStreams JSON into typed readings.

Design note: every payload from the network passes through these pure
functions before anything acts on it, so the question "do we understand what
Lemmy, Mastodon, Mbin, PieFed, Friendica … send?" is answered in one place and
tested against their captured payloads (``tests/federation/test_corpus.py``).
A reading is either returned whole or refused with ``Malformed`` (broken: a
missing id, a non-URI where a URI must be) or ``Unsupported`` (well-formed but
not something a peer-support node stores: a Video, a Question, an Event);
never half-read. HTML is sanitized here (``node.content.sanitize_html``), so no
unsanitized remote markup reaches the domain.

Nothing here touches the database or the network; the inbox's handlers
(``federation.inbox.handlers``) decide what a reading means for the node.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nh3

from federation.protocol.vocab import (
    PUBLIC_ALIASES,
    Malformed,
    as_list,
    ids_of,
    require_uri,
    type_of,
)
from federation.remote.actors import ACTOR_TYPES, ActorDocument, parse_actor
from node.content import render_markdown, sanitize_html

POST_TYPES = frozenset({"Note", "Page", "Article"})
# What the inbox acts on. Join/Leave/Invite (Mobilizon), Move (migration), Resolve and Warn
# (Lemmy moderation notes) and EmojiReact are refused by name: nothing here would act on them.
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
    }
)
# Known to be activities although we do not act on them, so that the refusal says "activity".
OTHER_ACTIVITY_TYPES = frozenset(
    {
        "Arrive",
        "EmojiReact",
        "Ignore",
        "Invite",
        "Join",
        "Leave",
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
    {"Follow", "Like", "Dislike", "Delete", "Flag", "Block", "Add", "Remove", "Lock"}
)
_AUTHOR_TYPES = frozenset(ACTOR_TYPES) - {"Group"}  # who writes, beside where it is posted
_WRAPPERS = frozenset({"Undo", "Accept", "Reject"})  # the object is another activity
_MAX_NESTING = 4  # Announce(Undo(Like)) is 3 deep; anything deeper is not a real server
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
SENSITIVE_WARNING = "Sensitive content"  # the CW of a post marked sensitive without one


class Unsupported(ValueError):
    """A well-formed payload of a kind this node does not store or act on; says which."""


@dataclass(frozen=True)
class Mention:
    href: str  # the mentioned actor's URI
    name: str  # as written: "@ana@node-a.example" or "!circle@node-b.example"


@dataclass(frozen=True)
class PostReading:
    """A ``Note``, ``Page`` or ``Article`` (a thread start, a reply, a group post)."""

    uri: str
    kind: str  # "Note" | "Page" | "Article"
    author_uri: str  # attributedTo (the first Person/URI when it is a list, as Lemmy's)
    title: str | None  # ``name`` (Lemmy/Mbin thread titles); None for untitled notes
    content_html: str  # sanitized; mentions, hashtags and links kept
    content_warning: str  # ``summary`` as a CW (Mastodon); SENSITIVE_WARNING if sensitive without
    sensitive: bool  # ``sensitive`` (Mastodon CW, Lemmy NSFW)
    language: str | None  # from ``contentMap``'s first key or Lemmy's ``language.identifier``
    in_reply_to_uri: str | None
    audience_uri: str | None  # FEP-1b12 ``audience`` (a group), if given
    to: tuple[str, ...]
    cc: tuple[str, ...]
    published: datetime | None  # aware datetimes only
    updated: datetime | None
    url: str | None
    mentions: tuple[Mention, ...] = ()
    hashtags: tuple[str, ...] = ()  # without '#'
    # Lemmy link posts, images: http(s) only, unfetched and not stored. Whoever stores or
    # shows media first drops it for hosts whose policy says so (``Decision.reject_media``,
    # from ``node.domain_visibility.decision_for`` or ``Federation.policy.decide``).
    attachment_urls: tuple[str, ...] = ()

    @property
    def public(self) -> bool:
        """Addressed to as:Public (to or cc, any of its spellings)."""
        return any(address in PUBLIC_ALIASES for address in (*self.to, *self.cc))


@dataclass(frozen=True)
class ActivityReading:
    """One activity. ``object`` is whatever it acts on, read as far as it is embedded:
    a ``PostReading``, an ``ActorDocument``, a nested ``ActivityReading`` (Announce,
    Undo, Accept/Reject of a Follow), or a bare URI string to be fetched."""

    id: str
    type: str  # Create, Update, Delete, Follow, Accept, Reject, Undo, Announce, Like, Dislike, …
    actor: str
    object: PostReading | ActorDocument | ActivityReading | str
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


def read_object(document: dict[str, Any]) -> PostReading | ActorDocument:
    """Read a fetched object (a post or an actor), or raise ``Malformed`` / ``Unsupported``."""
    if not isinstance(document, dict):
        raise Malformed("the object is not a JSON object")
    kind = type_of(document)
    if kind in POST_TYPES:
        return _post(document, kind)
    if kind in ACTOR_TYPES:
        return parse_actor(document)
    if _is_activity(kind):
        raise Unsupported(f"{kind} is an activity, not an object")
    if kind == "Tombstone":
        # A fetch that answers with a Tombstone means "deleted": not a post to store.
        raise Unsupported("Tombstone: the object was deleted")
    raise Unsupported(f"{kind} objects are not something this node stores")


def read_document(document: dict[str, Any]) -> ActivityReading | PostReading | ActorDocument:
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
    actor = _first_uri(document.get("actor"), "actor")
    if "object" not in document or document["object"] is None:
        raise Malformed(f"{kind} has no object")
    obj, others, embedded = _object_of(kind, document["object"], depth)
    return ActivityReading(
        id=uri,
        type=kind,
        actor=actor,
        object=obj,
        target=_optional_uri(document.get("target"), "target"),
        audience=_optional_uri(document.get("audience"), "audience"),
        to=tuple(ids_of(document.get("to"))),
        cc=tuple(ids_of(document.get("cc"))),
        summary=_reason(kind, document),
        other_objects=others,
        expires=_ban_end(kind, document),
        remove_data=_remove_data(kind, document),
        document=embedded,
    )


_Object = PostReading | ActorDocument | ActivityReading | str


def _object_of(
    kind: str, value: Any, depth: int
) -> tuple[_Object, tuple[str, ...], dict[str, Any] | None]:
    """What the activity acts on (a reference, a full object, or a nested activity), the
    further objects a reference type names, and the object as sent when it is a post or
    an actor."""
    if kind in _BY_REFERENCE:
        refs = as_list(value)
        if not refs:
            raise Malformed(f"{kind} has no object")
        first = require_uri(refs[0], "object")
        # Mastodon's Flag lists the reported account and then the reported posts.
        return first, tuple(require_uri(ref, "object") for ref in refs[1:]), None
    if isinstance(value, list):
        # Only reference types (above) may carry several objects; elsewhere it is ambiguous.
        if len(value) != 1:
            raise Malformed(f"{kind} has {len(value)} objects; one is expected")
        value = value[0]
    if isinstance(value, str):
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
        return _plain_text(summary)
    content = document.get("content")
    if kind == "Flag" and isinstance(content, str):
        return _plain_text(content)
    return ""


# --- posts ------------------------------------------------------------------------------


def _post(document: dict[str, Any], kind: str) -> PostReading:
    """A Note, Page or Article, whichever server wrote it."""
    title = _title(document)
    sensitive = document.get("sensitive") is True
    warning = _content_warning(document, kind, title, sensitive)
    return PostReading(
        uri=require_uri(document.get("id"), "id"),
        kind=kind,
        author_uri=_author(document.get("attributedTo")),
        title=title,
        content_html=_content(document),
        content_warning=warning,
        # A CW hides the post behind it: Mastodon always sets both, some servers only summary.
        sensitive=sensitive or bool(warning),
        language=_language(document),
        in_reply_to_uri=_optional_uri(document.get("inReplyTo"), "inReplyTo"),
        audience_uri=_optional_uri(document.get("audience"), "audience"),
        to=tuple(ids_of(document.get("to"))),
        cc=tuple(ids_of(document.get("cc"))),
        published=read_date(document.get("published")),
        updated=read_date(document.get("updated")),
        url=_url(document.get("url")),
        mentions=_mentions(document.get("tag")),
        hashtags=_hashtags(document.get("tag")),
        attachment_urls=_attachment_urls(document.get("attachment")),
    )


def _author(value: Any) -> str:
    """attributedTo as a string, an object, or a list (PeerTube, Lemmy: the account and its
    channel or community): the first entry that is not a Group, else the first entry."""
    entries = as_list(value)
    for entry in entries:
        if isinstance(entry, dict) and entry.get("type") in _AUTHOR_TYPES:
            return require_uri(entry, "attributedTo")
    for entry in entries:
        if isinstance(entry, str):
            return require_uri(entry, "attributedTo")
    return _first_uri(value, "attributedTo")


def _title(document: dict[str, Any]) -> str | None:
    name = document.get("name")
    if not isinstance(name, str):
        return None
    return _plain_text(name) or None


def _content(document: dict[str, Any]) -> str:
    """``content`` (or, without it, the first ``contentMap`` entry), sanitized; PeerTube
    comments are Markdown, so those are rendered rather than shown as raw asterisks."""
    content = document.get("content")
    if not isinstance(content, str):
        content_map = document.get("contentMap")
        if isinstance(content_map, dict):
            content = next((v for v in content_map.values() if isinstance(v, str)), None)
    if not isinstance(content, str):
        return ""
    if document.get("mediaType") == "text/markdown":
        return render_markdown(content)
    return sanitize_html(content)


def _content_warning(
    document: dict[str, Any], kind: str, title: str | None, sensitive: bool
) -> str:
    """``summary`` is a CW on a Note (Mastodon, Pleroma, Friendica) and on a sensitive Page
    (what we send ourselves); on an Article, or any post not marked sensitive, it is an
    excerpt (WordPress, NodeBB) or a copy of the title (lotide), which nobody should have
    to click through. A post marked sensitive with no CW of its own (Lemmy's NSFW) still
    goes behind one: ``SENSITIVE_WARNING``."""
    summary = document.get("summary")
    text = ""
    if isinstance(summary, str) and (kind == "Note" or (sensitive and kind == "Page")):
        text = _plain_text(summary)
    if text == title:
        text = ""
    return text or (SENSITIVE_WARNING if sensitive else "")


def _language(document: dict[str, Any]) -> str | None:
    """Lemmy's ``language: {identifier, name}`` (a list on groups), else contentMap's first
    key. ``und`` (Lemmy's "undetermined") and anything that is not a language tag read as None."""
    tag: Any = None
    for entry in as_list(document.get("language")):
        if isinstance(entry, dict):
            tag = entry.get("identifier")
            break
    content_map = document.get("contentMap")
    if tag is None and isinstance(content_map, dict) and content_map:
        tag = next(iter(content_map))
    if not isinstance(tag, str) or tag == "und" or not _LANGUAGE.match(tag):
        return None
    return tag


def _mentions(tags: Any) -> tuple[Mention, ...]:
    """Mention tags with a usable href; a tag without a name (Smithereen) keeps an empty one."""
    mentions: list[Mention] = []
    for tag in as_list(tags):
        if isinstance(tag, dict) and tag.get("type") == "Mention":
            href = _http_uri(tag.get("href"))
            if href is not None:
                name = tag.get("name")
                mentions.append(Mention(href, name.strip() if isinstance(name, str) else ""))
    return tuple(mentions)


def _hashtags(tags: Any) -> tuple[str, ...]:
    names: list[str] = []
    for tag in as_list(tags):
        if isinstance(tag, dict) and tag.get("type") == "Hashtag":
            name = tag.get("name")
            if isinstance(name, str) and (name := name.strip().lstrip("#")) and name not in names:
                names.append(name)
    return tuple(names)


def _attachment_urls(attachments: Any) -> tuple[str, ...]:
    urls: list[str] = []
    for attachment in as_list(attachments):
        if isinstance(attachment, dict) and attachment.get("type") != "PropertyValue":
            url = _url(attachment.get("url") or attachment.get("href"))
            if url is not None and url not in urls:
                urls.append(url)
    return tuple(urls)


def _url(value: Any) -> str | None:
    """``url`` as a string, a Link (``href``) or a list of Links: the first http(s) one,
    preferring an HTML page (PeerTube lists the watch page beside its video files)."""
    candidates: list[tuple[bool, str]] = []
    for entry in as_list(value):
        if isinstance(entry, str):
            candidates.append((True, entry))
        elif isinstance(entry, dict) and isinstance(entry.get("href"), str):
            html_page = entry.get("mediaType") in {None, "text/html"}
            candidates.append((html_page, entry["href"]))
    for preferred in (True, False):
        for is_page, candidate in candidates:
            if is_page is preferred and (uri := _http_uri(candidate)) is not None:
                return uri
    return None


# --- small readers ----------------------------------------------------------------------


def _first_uri(value: Any, what: str) -> str:
    """The first reference of a property that may be a list (an actor, an attributedTo)."""
    entries = as_list(value)
    return require_uri(entries[0] if entries else None, what)


def _optional_uri(value: Any, what: str) -> str | None:
    """A reference that may be absent (null, missing, empty list) but not broken."""
    entries = as_list(value)
    return require_uri(entries[0], what) if entries else None


def _http_uri(value: Any) -> str | None:
    try:
        return require_uri(value, "uri")
    except Malformed:
        return None


def read_date(value: Any) -> datetime | None:
    """ISO 8601 with a zone; naive or unreadable dates (Mbin's ``SCRUBBED_DATE``) are None,
    because a guessed zone would be worse than no date."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _plain_text(text: str) -> str:
    """Markup removed, entities decoded: for CWs, titles and reasons shown as text."""
    return html.unescape(nh3.clean(text, tags=set())).strip()


__all__ = [
    "ACTIVITY_TYPES",
    "POST_TYPES",
    "SENSITIVE_WARNING",
    "ActivityReading",
    "Malformed",
    "Mention",
    "PostReading",
    "Unsupported",
    "read_activity",
    "read_date",
    "read_document",
    "read_object",
]
