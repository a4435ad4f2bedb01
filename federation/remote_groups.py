"""Groups hosted on other nodes: finding one by handle or URL, and remembering it.

A Lemmy community, an Mbin magazine, a PieFed or Friendica group and a Kinfolk
group all publish a ``Group`` actor; what we keep of it besides the actor is
how it admits members (``manuallyApprovesFollowers``), whether only its
moderators start threads (Lemmy's ``postingRestrictedToMods``) and whether it
is private (it keeps out of directories: ``discoverable: false``).
"""

from __future__ import annotations

from typing import Any

from federation.context import Federation
from federation.http import FetchError, FetchErrorKind
from federation.remote_actors import parse_actor
from federation.vocab import Malformed, type_of
from node import groups
from node.storage.models import Actor, JoinPolicy, Visibility


async def remember_group(fed: Federation, document: dict[str, Any]) -> Actor:
    """Store a fetched ``Group`` document: its actor and what it tells about joining."""
    try:
        if type_of(document) != "Group":
            raise FetchError(
                f"{document.get('id')} is a {type_of(document)}, not a group",
                kind=FetchErrorKind.NOT_A_GROUP,
            )
        actor_document = parse_actor(document)
    except Malformed as exc:
        raise FetchError(
            f"{document.get('id')} is not a usable group: {exc}", kind=FetchErrorKind.NOT_AN_ACTOR
        ) from None
    manual = document.get("manuallyApprovesFollowers") is True
    # A group that keeps out of directories is treated as private: wrong that way, we only
    # show less of it to people here who are not its members.
    hidden = document.get("discoverable") is False
    async with fed.sessions.begin() as session:
        actor = await fed.store(session, actor_document)
        await groups.upsert_remote_group(
            session, actor, join_policy=JoinPolicy.APPROVAL if manual else JoinPolicy.OPEN,
            posting_restricted_to_moderators=document.get("postingRestrictedToMods") is True,
            visibility=Visibility.PRIVATE if hidden else Visibility.PUBLIC,
        )  # fmt: skip
    return actor


async def find_group(fed: Federation, ref: str) -> Actor:
    """A group elsewhere by ``name@host`` (``!name@host``, ``@name@host``) or by its URL."""
    uri = ref if ref.startswith(("https://", "http://")) else await fed.webfinger(ref)
    document = await fed.fetch(uri)
    if document.get("id") != uri.split("#", 1)[0]:
        raise FetchError(f"{uri} describes {document.get('id')}", kind=FetchErrorKind.WRONG_ID)
    return await remember_group(fed, document)
