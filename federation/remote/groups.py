"""Groups hosted on other nodes: finding one by handle or URL, and remembering it.

A Lemmy community, an Mbin magazine, a PieFed or Friendica group and a Kinfolk
group all publish a ``Group`` actor; what we keep of it besides the actor is
how it admits members (``manuallyApprovesFollowers``), whether only its
moderators start threads (Lemmy's ``postingRestrictedToMods``), whether it is
private (it keeps out of directories: ``discoverable: false``) and its rules
(``federation.protocol.group_rules``) and its crisis resources
(``federation.protocol.crisis_resources``: a Kinfolk group's ``crisisResources``), all
read from the actor itself, so a group's page shows them before anyone joins. Who
moderates it takes more requests (its ``moderators`` collection and each moderator's
actor), so every time the actor is read a background reading of them is asked for
(``federation.remote.group_sync``), done by ``federation.remote.backfill``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.protocol.crisis_resources import resources_of, without_summary_list
from federation.protocol.group_rules import rules_of
from federation.protocol.vocab import Malformed, id_of, same_origin, type_of
from federation.remote import group_sync
from federation.remote.actors import ActorDocument, parse_actor
from federation.remote.http import FetchError, FetchErrorKind
from node import rules
from node.crisis import editing
from node.groups import remote_groups
from node.kinds import JoinPolicy, Visibility

# Read-only: the stored actor is handed back; node.actors writes it.
from node.storage.models.actors import Actor


def _group_document(document: dict[str, Any]) -> ActorDocument:
    try:
        if type_of(document) != "Group":
            raise FetchError(
                f"{document.get('id')} is a {type_of(document)}, not a group",
                kind=FetchErrorKind.NOT_A_GROUP,
            )
        return parse_actor(document)
    except Malformed as exc:
        raise FetchError(
            f"{document.get('id')} is not a usable group: {exc}", kind=FetchErrorKind.NOT_AN_ACTOR
        ) from None


async def store_group(
    fed: Federation, session: AsyncSession, document: dict[str, Any], actor: ActorDocument
) -> Actor:
    """Store a group's actor, what it tells about joining, its rules and crisis resources."""
    manual = document.get("manuallyApprovesFollowers") is True
    # A group that keeps out of directories is treated as private: wrong that way, we only
    # show less of it to people here who are not its members.
    hidden = document.get("discoverable") is False
    resources = resources_of(document)
    if resources is not None:
        # A Kinfolk group: its description without the list added for other software.
        actor = replace(actor, summary=without_summary_list(actor.summary))
    stored = await fed.store(session, actor)
    group = await remote_groups.upsert_remote_group(
        session,
        stored,
        join_policy=JoinPolicy.APPROVAL if manual else JoinPolicy.OPEN,
        posting_restricted_to_moderators=document.get("postingRestrictedToMods") is True,
        visibility=Visibility.PRIVATE if hidden else Visibility.PUBLIC,
        # A Kinfolk group that takes anonymous posts from other nodes' members says so.
        allow_anonymous_posts=document.get("anonymousPosts") is True,
    )
    await rules.mirror_group_rules(session, group, rules_of(document))
    if resources is not None:
        await editing.mirror_group_resources(session, group, resources, local=stored.local)
    return stored


async def refresh_group(fed: Federation, document: dict[str, Any]) -> Actor:
    """Store a group's document fetched again (by the background reading itself)."""
    actor = _group_document(document)
    async with fed.sessions.begin() as session:
        return await store_group(fed, session, document, actor)


async def remember_group(fed: Federation, document: dict[str, Any]) -> Actor:
    """Store a fetched ``Group`` document, and ask for its moderators to be read (again, if
    the last reading is old)."""
    actor = _group_document(document)
    async with fed.sessions.begin() as session:
        stored = await store_group(fed, session, document, actor)
        await group_sync.request(session, stored.id, now=fed.clock())
    return stored


async def group_updated(
    fed: Federation, session: AsyncSession, document: dict[str, Any], actor: ActorDocument
) -> None:
    """A group elsewhere sent its own ``Update``: its settings and rules as it says them
    now, and its moderators read again soon (they may have changed with it)."""
    stored = await store_group(fed, session, document, actor)
    await group_sync.request(session, stored.id, now=fed.clock(), refresh=True)


def moderators_of(document: dict[str, Any]) -> str | list[str] | None:
    """Where a group names its moderators: the URL of a collection on its own server
    (``moderators``, or Lemmy's and Mbin's ``attributedTo``), or the actors themselves
    (``attributedTo`` as a list, PeerTube's shape)."""
    group_uri = id_of(document.get("id")) or ""
    for key in ("moderators", "attributedTo"):
        value = document.get(key)
        if isinstance(value, str):
            return value if same_origin(value, group_uri) else None
        if isinstance(value, list):
            return [uri for uri in (id_of(item) for item in value) if uri]
    return None


async def find_group(fed: Federation, ref: str) -> Actor:
    """A group elsewhere by ``name@host`` (``!name@host``, ``@name@host``) or by its URL."""
    uri = ref if ref.startswith(("https://", "http://")) else await fed.webfinger(ref)
    document = await fed.fetch(uri)
    if document.get("id") != uri.split("#", 1)[0]:
        raise FetchError(f"{uri} describes {document.get('id')}", kind=FetchErrorKind.WRONG_ID)
    return await remember_group(fed, document)
