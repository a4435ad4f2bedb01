"""A group's ``Announce``, unwrapped to what the group vouches for.

Groups (FEP-1b12): an ``Announce`` from a group we know, on another node, shares an
activity of one of its members (or, as Guppe and Fedify-style groups do, the
member's post itself, read as its ``Create``; an Event announced bare is read as
the Create of its organizer, the group). One of our member's posts shared
back is the group's word that it accepted it (``handlers.group_answers``); anything
else of ours shared back is ignored, as we hold the original.

What a group announces is believed only as far as it can be checked: an object as
its own origin served it (embedded by a group on that origin, or fetched by its id),
anything else as fetched again from its origin (a Delete only once its origin no
longer serves it), so a group cannot put words in the mouth of a member of another
node in public. A private group's posts cannot be fetched again by third nodes
(their origin serves them to the group's node only); for those the group's word is
taken, as the one place that checked the author's signature.

Taken on the group's word, for its own posts and members only (the handlers check
that): its moderators' acts (``handlers.moderation``), its pins (``handlers.pins``)
and reactions to its posts (``handlers.reactions``). A ban it announces must be from
itself; a reaction's id must still be on its actor's server (its id often cannot be
fetched again: Mastodon's are fragments of the actor's URI), and a group cannot
speak for a member of this node. Mbin's magazines pass on their users' deletions of
their accounts: believed from the account's own server, else once its origin says so.
Lemmy's moderator ``Update`` of the group is taken as the group's word that it
changed: it is read again from its own server, never from the moderator's copy.

This works on the payload as sent, before it is read: what comes out is the activity
the dispatcher reads and hands to a handler.
"""

from __future__ import annotations

from typing import Any

from federation.context import Federation
from federation.inbox.account_deletion import gone_at_origin, is_account_delete
from federation.inbox.handlers.group_answers import our_post_named, post_named_in
from federation.inbox.handlers.pins import check_pinned_in
from federation.inbox.handlers.reactions import NO_DOWNVOTES
from federation.inbox.prepared import Ignored, Prepared
from federation.protocol.event_readings import EVENT_TYPE
from federation.protocol.post_readings import POST_TYPES, PostReading, first_uri
from federation.protocol.readings import Unsupported, read_object
from federation.protocol.vocab import (
    PUBLIC_ALIASES,
    Malformed,
    as_list,
    id_of,
    require_uri,
    same_origin,
)
from node.federated.actors import actor_named


async def unwrap(fed: Federation, announce: dict[str, Any]) -> tuple[Prepared, bool]:
    """The announced activity as far as its group vouches for it, and whether its actor
    and the post it answers are still to be fetched (not for our own post shared back, an
    account's deletion, or the group's change of itself)."""
    group_uri = announce["actor"]
    async with fed.sessions() as session:
        group = await actor_named(session, group_uri)
    if group is None or not group.is_group or group.local:
        raise Ignored("only groups we know, on other nodes, announce to us")
    inner = announce.get("object")
    async with fed.sessions() as session:
        ours = await our_post_named(session, fed.site.base_url, post_named_in(inner))
    if ours is not None:  # our member's post, shared by its group: nothing to fetch
        return Prepared(announce, via=group_uri, ours=ours), False
    source = group_uri  # who vouches for what is embedded (see the module note)
    if isinstance(inner, str):
        _not_ours(fed, inner)
        inner, source = await fed.fetch(inner), inner
    if isinstance(inner, dict) and inner.get("type") in POST_TYPES:
        inner = as_create(inner)
    elif isinstance(inner, dict) and inner.get("type") == EVENT_TYPE:
        inner = event_as_create(inner)
    if isinstance(inner, dict) and _is_ban(inner):
        _banned_from(inner, group_uri)
    elif isinstance(inner, dict) and _is_thread_moderation(inner):
        pass  # the group's word, for posts made in it: checked by handlers.moderation
    elif isinstance(inner, dict) and inner.get("type") in {"Like", "Dislike", "Undo"}:
        inner = _announced_reaction(inner)
    elif isinstance(inner, dict) and inner.get("type") in {"Add", "Remove"}:
        check_pinned_in(id_of(inner.get("target")), group_uri)
        require_uri(inner.get("object"), "pinned thread")
    elif isinstance(inner, dict) and _is_removal(inner):
        pass  # the group's word, for posts made in it: checked by handlers.moderation
    elif isinstance(inner, dict) and is_account_delete(inner):
        # The account's own server may say so; any other group's word is checked at the
        # account's origin.
        actor = inner["actor"]
        _not_ours(fed, actor)
        if not same_origin(actor, source) and not await gone_at_origin(fed, actor):
            raise Ignored(f"{actor} still exists at its origin; the Delete is not believed")
        return Prepared(inner, via=group_uri), False
    elif isinstance(inner, dict) and _updates_group(inner, group_uri):
        update = {"id": inner.get("id"), "type": "Update", "actor": group_uri, "object": group_uri}
        return Prepared(update, via=group_uri), False
    else:
        if not isinstance(inner, dict) or inner.get("type") not in {"Create", "Update", "Delete"}:
            kind = inner.get("type") if isinstance(inner, dict) else "an unreadable object"
            raise Ignored(f"announced {kind} is not handled yet")
        _not_ours(fed, id_of(inner.get("object")))
        if not _groups_own(inner, group_uri):
            inner = await _checked_at_origin(fed, source, inner)
    return Prepared(inner, via=group_uri), True


def as_create(post: dict[str, Any]) -> dict[str, Any]:
    """A post announced bare (Guppe, Fedify-style groups), read as its author's Create."""
    try:
        reading = read_object(post)
    except Unsupported as exc:
        raise Ignored(str(exc)) from None
    assert isinstance(reading, PostReading)  # a Note, Page or Article reads as a post
    return {
        "id": f"{reading.uri}#create",
        "type": "Create",
        "actor": reading.author_uri,
        "object": post,
    }


def event_as_create(event: dict[str, Any]) -> dict[str, Any]:
    """An Event announced bare, read as its organizer's (the group's) Create."""
    uri = require_uri(event.get("id"), "announced Event")
    organizer = first_uri(event.get("attributedTo"), "attributedTo")
    return {"id": f"{uri}#create", "type": "Create", "actor": organizer, "object": event}


def _groups_own(inner: dict[str, Any], group_uri: str) -> bool:
    """The group's own ``Create``, ``Update`` or ``Delete`` of a post attributed to it (an
    anonymous post; its id may be on the writer's node): its word is the trust, and it
    speaks only for itself. Embedded, unless deleted."""
    if inner.get("actor") != group_uri:
        return False
    post = inner.get("object")
    if inner.get("type") == "Delete":
        return True
    return isinstance(post, dict) and id_of(post.get("attributedTo")) == group_uri


def _updates_group(inner: dict[str, Any], group_uri: str) -> bool:
    return inner.get("type") == "Update" and id_of(inner.get("object")) == group_uri


def _is_removal(inner: dict[str, Any]) -> bool:
    """A Delete by someone other than the object's author (whose server would be the
    object's): a moderator's removal, as Lemmy sends it."""
    if inner.get("type") != "Delete":
        return False
    actor = require_uri(inner.get("actor"), "announced actor")
    return not same_origin(actor, require_uri(inner.get("object"), "announced object"))


def _is_thread_moderation(inner: dict[str, Any]) -> bool:
    """A moderator's ``Lock`` of a thread, or ``Undo`` of a lock or of a removal (Lemmy's
    shapes); an actor undoes only its own act."""
    undone = inner.get("object")
    if inner.get("type") == "Lock":
        return True
    if inner.get("type") != "Undo" or not isinstance(undone, dict):
        return False
    if undone.get("type") != "Lock" and not _is_removal(undone):
        return False
    if id_of(undone.get("actor")) != inner.get("actor"):
        raise Malformed("an actor can only undo its own lock or removal")
    return True


def _is_ban(inner: dict[str, Any]) -> bool:
    undone = inner.get("object")
    return inner.get("type") == "Block" or (
        inner.get("type") == "Undo" and isinstance(undone, dict) and undone.get("type") == "Block"
    )


def _banned_from(inner: dict[str, Any], group_uri: str) -> None:
    """A group announces only bans from itself (Lemmy's ``target``; a ban from the whole
    instance has none, and is not followed)."""
    block = inner["object"] if inner["type"] == "Undo" else inner
    if id_of(block.get("target")) != group_uri:
        raise Ignored("a group announces bans from itself only")
    if inner["type"] == "Undo" and id_of(block.get("actor")) != inner.get("actor"):
        raise Malformed("an actor can only undo its own ban")


def _not_ours(fed: Federation, uri: str | None) -> None:
    if uri is not None and same_origin(uri, fed.site.base_url):
        raise Ignored("a group shares something of this node's; we hold the original")


async def _checked_at_origin(fed: Federation, source: str, inner: dict[str, Any]) -> dict[str, Any]:
    """The announced activity as its origin vouches for it (see the module note); ``source``
    served it: the group that embedded it, or the URI it was fetched from."""
    actor = require_uri(inner.get("actor"), "announced actor")
    target = require_uri(inner.get("object"), "announced object")
    if not same_origin(actor, target):
        raise Malformed("the announced object is not on its actor's server")
    embedded = inner["object"] if isinstance(inner["object"], dict) else None
    if same_origin(target, source) and (embedded or inner["type"] == "Delete"):
        return inner
    if embedded is not None and not _public(inner, embedded):
        # A private group's post is served by its origin to the group's node only, so no
        # other node can fetch it again: here the group vouches for what it checked.
        return inner
    if inner["type"] == "Delete":
        if await gone_at_origin(fed, target):
            return inner
        raise Ignored(f"{target} still exists at its origin; the Delete is not believed")
    document = await fed.fetch(target)
    if id_of(document.get("attributedTo")) != actor:
        raise Malformed("the announced object is not attributed to the announced actor")
    return {**inner, "object": document}


def _announced_reaction(inner: dict[str, Any]) -> dict[str, Any]:
    """A reaction (or its Undo) a group announces, as far as it is believed (module note)."""
    kind = inner["type"]
    if kind == "Undo":
        undone = inner.get("object")
        # Named by its id alone, it can only be a Like we hold (or nothing we know).
        kind = undone.get("type") if isinstance(undone, dict) else "Like" if undone else None
    if kind == "Dislike":
        raise Ignored(NO_DOWNVOTES)
    if kind != "Like":
        raise Ignored(f"announced Undo of {kind or 'an unreadable object'} is not handled yet")
    actor = require_uri(inner.get("actor"), "announced actor")
    if not same_origin(require_uri(inner.get("id"), "announced id"), actor):
        raise Malformed("the announced activity is not from its actor's server")
    return inner


def _public(*documents: dict[str, Any]) -> bool:
    addresses = [a for d in documents for key in ("to", "cc") for a in as_list(d.get(key))]
    return any(id_of(address) in PUBLIC_ALIASES for address in addresses)
