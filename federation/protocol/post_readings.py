"""Reading a post (a ``Note``, ``Page`` or ``Article``), whichever server wrote it.

A thread start, a reply or a group post, from Lemmy, Mastodon, Mbin, PieFed,
Friendica, WordPress, PeerTube…: one ``PostReading``, its HTML sanitized here
(``node.content``), its title, content warning and language read the way each
server means them. The small readers at the end serve ``readings`` too. Tested
with the activities that carry posts, against the captured corpus
(``tests/federation/test_inbound.py``, ``test_corpus.py``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3

from federation.protocol.anonymous_posts import is_token
from federation.protocol.topic_tags import read_topics
from federation.protocol.vocab import PUBLIC_ALIASES, Malformed, as_list, id_of, ids_of, require_uri
from federation.remote.actors import ACTOR_TYPES
from node.content import render_markdown, sanitize_html
from node.topics import Topic

POST_TYPES = frozenset({"Note", "Page", "Article"})
SENSITIVE_WARNING = "Sensitive content"  # the CW of a post marked sensitive without one
_AUTHOR_TYPES = frozenset(ACTOR_TYPES) - {"Group"}  # who writes, beside where it is posted
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


# More anonymous writers than this in one thread is not a number a group would give.
ANONYMOUS_LABEL_MAX = 100_000


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
    # Support topics: our ``SupportTopic`` tags, and what a free-text warning names.
    topics: tuple[Topic, ...] = ()
    # Kinfolk's ``anonymousToken``: an anonymous post sent by its writer's node on their
    # behalf (federation.protocol.anonymous_posts); None for any other post.
    anonymous_token: str | None = None
    # Kinfolk's ``anonymousLabel``: the writer's number among a thread's anonymous writers,
    # as the group numbers them ("Anonymous 2"); None when not given or not a small number.
    anonymous_label: int | None = None
    # FEP-7888 ``context``: what the post belongs to; a conversation's id on a direct
    # message (``federation.protocol.conversations``). None when absent or not a URI.
    context: str | None = None
    # Kinfolk's ``checkIn``: a member's check-in shared with the group, its scale 1 to 5
    # (``node.checkins``); None for any other post, or anything else sent.
    check_in_scale: int | None = None

    @property
    def public(self) -> bool:
        """Addressed to as:Public (to or cc, any of its spellings)."""
        return any(address in PUBLIC_ALIASES for address in (*self.to, *self.cc))


def read_post(document: dict[str, Any], kind: str) -> PostReading:
    """A Note, Page or Article, whichever server wrote it."""
    title = _title(document)
    sensitive = document.get("sensitive") is True
    language = _language(document)
    warning = _content_warning(document, kind, title, sensitive)
    topics, warning = read_topics(document.get("tag"), warning, title)
    return PostReading(
        uri=require_uri(document.get("id"), "id"),
        kind=kind,
        author_uri=_author(document.get("attributedTo")),
        title=title,
        content_html=_content(document),
        content_warning=warning,
        # A CW hides the post behind it: Mastodon always sets both, some servers only summary.
        sensitive=sensitive or bool(warning) or bool(topics),
        language=language,
        in_reply_to_uri=optional_uri(document.get("inReplyTo"), "inReplyTo"),
        audience_uri=optional_uri(document.get("audience"), "audience"),
        to=tuple(ids_of(document.get("to"))),
        cc=tuple(ids_of(document.get("cc"))),
        published=read_date(document.get("published")),
        updated=read_date(document.get("updated")),
        url=_url(document.get("url")),
        mentions=_mentions(document.get("tag")),
        hashtags=_hashtags(document.get("tag")),
        attachment_urls=_attachment_urls(document.get("attachment")),
        topics=topics,
        anonymous_token=_anonymous_token(document.get("anonymousToken")),
        anonymous_label=_anonymous_label(document.get("anonymousLabel")),
        context=_http_uri(document.get("context")),
        check_in_scale=_check_in_scale(document.get("checkIn")),
    )


def _check_in_scale(value: Any) -> int | None:
    """Only a look, never a reason to refuse the post: anything odd is left out."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    return None


def _anonymous_label(value: Any) -> int | None:
    """Only a label, never a reason to refuse the post: anything odd is left out."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ANONYMOUS_LABEL_MAX:
        return value
    return None


def _anonymous_token(value: Any) -> str | None:
    token = id_of(value)
    if value is not None and not is_token(token):
        raise Malformed("anonymousToken is not a Kinfolk writer's token")
    return token


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
    return first_uri(value, "attributedTo")


def _title(document: dict[str, Any]) -> str | None:
    name = document.get("name")
    if not isinstance(name, str):
        return None
    return plain_text(name) or None


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
        text = plain_text(summary)
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


# --- small readers, of posts and activities alike ---------------------------------------


def first_uri(value: Any, what: str) -> str:
    """The first reference of a property that may be a list (an actor, an attributedTo)."""
    entries = as_list(value)
    return require_uri(entries[0] if entries else None, what)


def optional_uri(value: Any, what: str) -> str | None:
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


def plain_text(text: str) -> str:
    """Markup removed, entities decoded: for CWs, titles and reasons shown as text."""
    return html.unescape(nh3.clean(text, tags=set())).strip()
