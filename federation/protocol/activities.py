"""The activities we send, in the shapes our peers read: pure functions of the facts.

Each builder takes ids and URIs (the caller mints the ids) and returns the activity
without ``@context``: activities nest (a group's ``Announce`` carries its member's
``Create``, an ``Undo`` the activity it takes back), and only the outermost carries
one, added by ``vocab.with_context`` as it leaves. Where a group's activity may go,
public or to its members only, is decided in one place, ``group_addressing``.

Moderators' acts are Lemmy's: a removal is the moderator's ``Delete`` with the reason
in ``summary`` and its restoring an ``Undo`` of one; a thread's lock a ``Lock`` of its
first post; pins ``Add``/``Remove`` to the group's ``featured``; a ban a ``Block`` with
the group as ``target``. Reports go as the node's ``Flag``, shaped as Mastodon and Mbin
send theirs, which Lemmy reads too.
"""

from __future__ import annotations

from typing import Any

from federation.protocol import urls
from federation.protocol.vocab import PUBLIC


def group_addressing(group: str, *, public: bool) -> dict[str, list[str]]:
    """How a group's posts and acts are addressed: a public group's to the public too, a
    private group's to the group and its followers (its members) only."""
    return {"to": [group, PUBLIC] if public else [group], "cc": [urls.followers(group)]}


def _activity(uri: str, kind: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {"id": uri, "type": kind, "actor": actor, "object": obj, **extra}


def group_update(uri: str, group: str, document: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """A group's ``Update`` of itself, its actor embedded as it is now. It goes with the
    actors' context (the document's extension terms), not the activities' small one."""
    return _activity(uri, "Update", group, document, **group_addressing(group, public=public))


# --- follows and joins --------------------------------------------------------------------


def follow(uri: str, follower: str, followee: str, *, joins_group: bool) -> dict[str, Any]:
    """A request to follow a member, or to join a group (FEP-1b12: following its actor,
    addressed to it)."""
    return _activity(
        uri, "Follow", follower, followee, **({"to": [followee]} if joins_group else {})
    )


def about_follow(
    uri: str,
    kind: str,
    speaker: str,
    *,
    follow_uri: str,
    follower: str,
    followee: str,
    to: str,
    summary: str = "",
) -> dict[str, Any]:
    """``Accept``/``Reject`` (by the one followed) or ``Undo`` (by the follower) of a Follow,
    naming it by its id, as Lemmy and Mastodon match it; ``summary``: why, if said."""
    request = {"id": follow_uri, "type": "Follow", "actor": follower, "object": followee}
    activity = _activity(uri, kind, speaker, request, to=[to])
    if summary:
        activity["summary"] = summary
    return activity


# --- posts --------------------------------------------------------------------------------


def tombstone(uri: str) -> dict[str, Any]:
    """What a deletion carries of the post it deletes."""
    return {"id": uri, "type": "Tombstone"}


def post_activity(
    uri: str, kind: str, author: str, document: dict[str, Any], *, group: str, public: bool
) -> dict[str, Any]:
    """An author's ``Create``, ``Update`` or ``Delete`` of a post in ``group``."""
    return _activity(
        uri, kind, author, document, audience=group, **group_addressing(group, public=public)
    )


def post_rejection(uri: str, group: str, post: str, author: str) -> dict[str, Any]:
    """A group's ``Reject`` of a post it will not share, to its author only."""
    return _activity(uri, "Reject", group, post, to=[author], audience=group)


def announce(uri: str, group: str, activity: dict[str, Any], *, public: bool) -> dict[str, Any]:
    """A group shares ``activity`` with its members' nodes (FEP-1b12)."""
    return _activity(
        uri, "Announce", group, activity, audience=group, **group_addressing(group, public=public)
    )


# --- support ------------------------------------------------------------------------------


def like(uri: str, actor: str, post: str, group: str) -> dict[str, Any]:
    """Support as it travels: Lemmy's and Mastodon's ``Like``, the post by its URI."""
    return _activity(uri, "Like", actor, post, audience=group, to=[group])


def undo_like(uri: str, actor: str, like: dict[str, Any], group: str) -> dict[str, Any]:
    return _activity(uri, "Undo", actor, like, audience=group, to=[group])


# --- moderators' acts ---------------------------------------------------------------------


def featuring(uri: str, kind: str, moderator: str, post: str, group: str) -> dict[str, Any]:
    """A pin (``Add`` to the group's ``featured``) or an unpin (``Remove``)."""
    return _activity(
        uri, kind, moderator, post, target=urls.featured(group), audience=group, to=[group]
    )


def removal(
    uri: str, moderator: str, post: str, *, group: str, public: bool, reason: str
) -> dict[str, Any]:
    """A moderator's removal of a post. Its ``summary`` is always there, if empty: Lemmy
    tells a moderator's removal from an author's deletion by its presence."""
    address = group_addressing(group, public=public)
    return _activity(uri, "Delete", moderator, post, audience=group, **address, summary=reason)


def restoration(
    uri: str, moderator: str, removal: dict[str, Any], *, group: str, public: bool
) -> dict[str, Any]:
    """The ``Undo`` of a removal (nodes match it by the post, not the Delete's id)."""
    address = group_addressing(group, public=public)
    return _activity(uri, "Undo", moderator, removal, audience=group, **address)


def lock(
    uri: str, moderator: str, post: str, *, group: str, public: bool, reason: str | None = None
) -> dict[str, Any]:
    """A moderator's ``Lock`` of a thread, by its first post."""
    address = group_addressing(group, public=public)
    return _activity(uri, "Lock", moderator, post, audience=group, **address, **_summary(reason))


def unlock(
    uri: str, moderator: str, lock: dict[str, Any], *, group: str, public: bool, reason: str | None
) -> dict[str, Any]:
    """The ``Undo`` of a lock (the reason is the unlocking's)."""
    address = group_addressing(group, public=public)
    return _activity(uri, "Undo", moderator, lock, audience=group, **address, **_summary(reason))


def block(
    uri: str,
    moderator: str,
    member: str,
    *,
    group: str,
    reason: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """A ban as Lemmy sends it: the moderator's ``Block`` of the member, ``target`` the group."""
    extra: dict[str, Any] = _summary(reason)
    if until:
        extra["endTime"] = extra["expires"] = until  # Lemmy 0.19 reads expires
    return _activity(
        uri,
        "Block",
        moderator,
        member,
        target=group,
        audience=group,
        to=[member],
        cc=[group],
        **extra,
    )


def unblock(
    uri: str, moderator: str, block: dict[str, Any], *, member: str, group: str, reason: str | None
) -> dict[str, Any]:
    """The lifting of a ban: the ``Undo`` of its Block."""
    return _activity(
        uri, "Undo", moderator, block, audience=group, to=[member], cc=[group], **_summary(reason)
    )


def _summary(reason: str | None) -> dict[str, str]:
    return {"summary": reason} if reason else {}


# --- reports ------------------------------------------------------------------------------


def flag(
    uri: str,
    actor: str,
    objects: list[str],
    reason: str,
    *,
    to: str,
    audience: str | None = None,
    cc: list[str] | None = None,
) -> dict[str, Any]:
    """The node's report to another node's moderators (``federation.outbox.handlers.flags``)::

    {"type": "Flag", "id": "{base}/reports/{id}", "actor": "{base}/actor",
     "object": [post, author] (or [member]), "content": reason, "summary": reason,
     "to": [group] (or [member]), "cc": [author] (when forwarded), "audience": group}
    """
    report: dict[str, Any] = {
        "id": uri,
        "type": "Flag",
        "actor": actor,
        "object": objects,
        "content": reason,
        "summary": reason,
        "to": [to],
    }
    if cc:
        report["cc"] = cc
    if audience is not None:
        report["audience"] = audience
    return report


def care_flag(uri: str, actor: str, objects: list[str], *, to: str) -> dict[str, Any]:
    """The node's care report to the node of the member it is about, which reads it
    (``federation.outbox.handlers.flags``); no reason, no reporter::

    {"type": "Flag", "id": "{base}/reports/{id}", "actor": "{base}/actor",
     "object": [post, member] (or [member]), "to": [member], "care": true}
    """
    return {"id": uri, "type": "Flag", "actor": actor, "object": objects, "to": [to], "care": True}


def reason_with_rule(reason: str, rule_title: str | None) -> str:
    """The reason as another node reads it: with the cited rule's title, if any (a rule's
    id means nothing elsewhere)."""
    if not rule_title:
        return reason
    return f"{reason}\n\nRule: {rule_title}" if reason else f"Rule: {rule_title}"
