"""Conversations by consent as they travel: direct Notes, the request, its answer, the end.

Design note: a message is what every microblog already shows as a private mention: a
``Note`` addressed ``to`` the other person alone (no ``cc``, never ``as:Public``, no
followers, no group), with a ``Mention`` tag of them (Mastodon files a Note as a direct
message only with one), inside a ``Create`` addressed the same way. Kinfolk adds what
a consent-based conversation needs and others ignore: ``context`` (FEP-7888) names the
conversation, and the ``Create`` of its first message carries ``contactRequest: true``.
A Kinfolk node answers that ``Create`` with ``Accept`` or ``Reject`` (by its id, with no
reason), and either side ends the conversation with ``Leave`` (object: the conversation).
Those three go only to servers that say they hold conversations
(``federation.signing.capabilities.CONVERSATIONS_HREF``); to Mastodon a conversation is
just the Notes. ``inReplyTo`` names the other person's last message, so their software
threads it. FEDERATION.md, "Conversations by consent", shows the shapes.

Reading is pure, as in ``readings``: ``direct_message`` says whether a ``Create`` is a
direct message to exactly one addressee (the handler then checks that it is one of our
members) and gives its words as plain text; ``message_html`` is the inverse for what we
send, so that text crosses between Kinfolk nodes unchanged.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3

from federation.protocol.post_readings import Mention, PostReading
from federation.protocol.readings import ActivityReading
from federation.protocol.vocab import PUBLIC_ALIASES, Malformed, ids_of, same_origin

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p(?:\s[^>]*)?>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class DirectMessage:
    """A ``Create`` of a ``Note`` addressed to one actor alone: a conversation's message,
    or a request to start one (from a Kinfolk node, or any direct Note from elsewhere)."""

    activity_id: str  # the Create's id: a request's id, which its answer names
    author: str
    uri: str  # the Note's id
    recipient: str
    text: str  # plain text, the leading mention of the recipient left out
    in_reply_to: str | None
    context: str | None  # the conversation's id, as Kinfolk nodes send it
    contact_request: bool  # Kinfolk's ``contactRequest``: the first message, asking


def direct_message(activity: ActivityReading) -> DirectMessage | None:
    """The direct message ``activity`` carries, or None when it is not one: not a
    ``Create`` of a post, public, for a group (``audience``), sent on an anonymous
    writer's behalf, or addressed to more than one actor. A direct message must be
    its actor's own, on its actor's server (``Malformed`` otherwise)."""
    note = activity.object
    if activity.type != "Create" or not isinstance(note, PostReading):
        return None
    if note.public or note.audience_uri is not None or note.anonymous_token is not None:
        return None
    addressed = {*note.to, *note.cc, *activity.to, *activity.cc} - {activity.actor}
    if addressed & PUBLIC_ALIASES or len(addressed) != 1:
        return None
    if note.author_uri != activity.actor or not same_origin(note.uri, activity.actor):
        raise Malformed("a direct message must be its actor's own")
    (recipient,) = addressed
    return DirectMessage(
        activity_id=activity.id,
        author=activity.actor,
        uri=note.uri,
        recipient=recipient,
        text=message_text(note.content_html, note.mentions, recipient),
        in_reply_to=note.in_reply_to_uri,
        context=note.context,
        contact_request=activity.contact_request,
    )


def looks_direct(note: dict[str, Any]) -> bool:
    """Whether a Note as sent is addressed as a direct message (to one actor, not public,
    for no group), before it is read: the inbox's prefetch then fetches nothing it
    answers, since a conversation's messages are never fetched (its parent is ours, or
    not ours to fetch)."""
    addressed = {*ids_of(note.get("to")), *ids_of(note.get("cc"))}
    return note.get("audience") is None and len(addressed) == 1 and not addressed & PUBLIC_ALIASES


def message_text(content_html: str, mentions: tuple[Mention, ...], recipient: str) -> str:
    """The words of a message as plain text: paragraphs and line breaks kept, markup
    removed, and the mention of the recipient it opens with left out (Mastodon puts it
    first; it is addressing, not words)."""
    marked = _PARAGRAPH.sub("\n\n", _BREAK.sub("\n", content_html))
    text = html.unescape(nh3.clean(marked, tags=set())).strip()
    names = {m.name for m in mentions if m.href == recipient and m.name}
    while text.startswith("@"):
        word, _, rest = text.partition(" ")
        word = word.rstrip()
        if not any(name == word or name.startswith(word + "@") for name in names):
            break
        text = rest.lstrip()
    return _BLANK_LINES.sub("\n\n", text).strip()


def message_html(text: str, recipient: str, recipient_acct: str) -> str:
    """A message's words as the HTML of its Note: the recipient's mention first, as
    Mastodon writes one (so it shows as a private mention), then the text escaped, a
    blank line a new paragraph, a line break a ``<br>``."""
    text = text.replace("\r\n", "\n")
    name = recipient_acct.partition("@")[0]
    mention = (
        f'<span class="h-card"><a href="{html.escape(recipient)}" class="u-url mention">'
        f"@<span>{html.escape(name)}</span></a></span>"
    )
    paragraphs = [
        "<br>".join(html.escape(line) for line in block.split("\n"))
        for block in re.split(r"\n\s*\n", text.strip())
    ]
    first, *rest = paragraphs
    return "".join([f"<p>{mention} {first}</p>", *(f"<p>{p}</p>" for p in rest)])


# --- what we send ---------------------------------------------------------------------------


def _moment(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def message_note(
    uri: str,
    author: str,
    recipient: str,
    recipient_acct: str,
    text: str,
    *,
    conversation: str,
    in_reply_to: str | None,
    published: datetime,
) -> dict[str, Any]:
    """A message as a direct ``Note``: to the other person alone, mentioning them, in the
    conversation (``context``), answering their last message (``inReplyTo``)."""
    content = message_html(text, recipient, recipient_acct)
    note: dict[str, Any] = {
        "id": uri,
        "type": "Note",
        "attributedTo": author,
        "to": [recipient],
        "cc": [],
        "context": conversation,
        "content": content,
        "mediaType": "text/html",
        "published": _moment(published),
        "tag": [{"type": "Mention", "href": recipient, "name": f"@{recipient_acct}"}],
    }
    if in_reply_to is not None:
        note["inReplyTo"] = in_reply_to
    return note


def message_create(uri: str, note: dict[str, Any], *, contact_request: bool) -> dict[str, Any]:
    """The ``Create`` that carries a message, addressed as its Note; the first message's
    asks to talk (``contactRequest``)."""
    create: dict[str, Any] = {
        "id": uri,
        "type": "Create",
        "actor": note["attributedTo"],
        "to": note["to"],
        "cc": [],
        "published": note["published"],
        "object": note,
    }
    if contact_request:
        create["contactRequest"] = True
    return create


def request_answer(uri: str, kind: str, actor: str, request: str, asker: str) -> dict[str, Any]:
    """The person asked says yes (``Accept``) or no (``Reject``), naming the request's
    ``Create`` by its id; a no carries no reason."""
    return {"id": uri, "type": kind, "actor": actor, "object": request, "to": [asker]}


def leave(uri: str, actor: str, conversation: str, other: str) -> dict[str, Any]:
    """One of the two ends the conversation, for good."""
    return {"id": uri, "type": "Leave", "actor": actor, "object": conversation, "to": [other]}
