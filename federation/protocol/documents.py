"""Local actors as ActivityStreams documents: ``Person``, ``Group``, ``Application``.

Shapes follow what Mastodon, Lemmy, Mbin and PieFed read: a ``publicKey`` with
an RSA PEM (``#main-key``), a shared inbox under ``endpoints``, and for groups
Lemmy's ``attributedTo`` moderators collection and ``postingRestrictedToMods``, and
the group's rules in PieFed's ``rules`` (``federation.protocol.group_rules``), and its
crisis resources (``federation.protocol.crisis_resources``).
The Ed25519 key is published as a FEP-521a ``Multikey`` in ``assertionMethod``.
Collections of people are published as counts only: in peer support, who
belongs to which group or follows whom is itself confidential.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.protocol import urls
from federation.protocol.crisis_resources import resources_json, summary_list
from federation.protocol.group_rules import rules_html
from federation.protocol.vocab import AS_CONTEXT, CONTEXT, with_context
from federation.signing.capabilities import GENERATOR
from federation.signing.keys import encode_multikey
from federation.signing.keystore import PublicKeys
from node.crisis.resources import ResourceEntry
from node.kinds import JoinPolicy, Visibility  # GroupView's enums: no table is read
from node.views import ActorRef, GroupView, Profile


@dataclass(frozen=True)
class PublishedKeys:
    rsa_key_id: str
    rsa_public_pem: str
    ed25519_key_id: str
    ed25519_multibase: str

    @classmethod
    def of(cls, keys: PublicKeys) -> PublishedKeys:
        return cls(
            rsa_key_id=keys.rsa_key_id,
            rsa_public_pem=keys.rsa_public_pem,
            ed25519_key_id=keys.ed25519_key_id,
            ed25519_multibase=encode_multikey(keys.ed25519),
        )


def text_to_html(text: str) -> str:
    """Plain text (a bio, a description) as the HTML that ``summary`` carries."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _actor_base(
    kind: str, actor: ActorRef, keys: PublishedKeys, base_url: str, summary: str
) -> dict[str, Any]:
    return with_context(
        {
            "id": actor.uri,
            "type": kind,
            "preferredUsername": actor.handle,
            "name": actor.display_name,
            "summary": text_to_html(summary),
            "url": actor.uri,
            "inbox": urls.inbox(actor.uri),
            "outbox": urls.outbox(actor.uri),
            "followers": urls.followers(actor.uri),
            "following": urls.following(actor.uri),
            "endpoints": {"sharedInbox": urls.shared_inbox(base_url)},
            **_published_keys(actor.uri, keys),
            # FEP-844e: peers may sign to us with RFC 9421, Ed25519 included.
            "generator": GENERATOR,
        },
        context=CONTEXT,
    )


def _published_keys(actor_uri: str, keys: PublishedKeys) -> dict[str, Any]:
    return {
        "publicKey": {
            "id": keys.rsa_key_id,
            "owner": actor_uri,
            "publicKeyPem": keys.rsa_public_pem,
        },
        "assertionMethod": [
            {
                "id": keys.ed25519_key_id,
                "type": "Multikey",
                "controller": actor_uri,
                "publicKeyMultibase": keys.ed25519_multibase,
            }
        ],
    }


def person_document(profile: Profile, keys: PublishedKeys, base_url: str) -> dict[str, Any]:
    document = _actor_base("Person", profile.actor, keys, base_url, profile.bio)
    document["published"] = _iso(profile.created_at)
    document["manuallyApprovesFollowers"] = False
    # Members are not listed in directories of other servers by default.
    document["discoverable"] = False
    if profile.suspended:
        # Mastodon's flag: the account is suspended here (and its name and bio withheld).
        document["suspended"] = True
    return document


def group_document(
    group: GroupView,
    keys: PublishedKeys,
    base_url: str,
    resources: Sequence[ResourceEntry] | None = None,
) -> dict[str, Any]:
    """``resources`` None: not for this reader (a private group's, to a node without
    members), so the property is left out and the reader keeps what it holds."""
    uri = group.actor.uri
    document = _actor_base("Group", group.actor, keys, base_url, group.description)
    if resources is not None:
        # Ours for Kinfolk nodes (an empty list says "none any more"), and a readable list
        # at the end of the description for Lemmy, Mbin and PieFed
        # (federation.protocol.crisis_resources).
        document["crisisResources"] = resources_json(resources)
        document["summary"] += summary_list(resources)
    document.update(
        {
            "published": _iso(group.created_at),
            "manuallyApprovesFollowers": group.join_policy is JoinPolicy.APPROVAL,
            "attributedTo": urls.moderators(uri),
            "moderators": urls.moderators(uri),
            "featured": urls.featured(uri),
            "postingRestrictedToMods": group.posting_restricted_to_moderators,
            "sensitive": False,
            # A private group keeps out of directories; peers read this as "private"
            # (Lemmy's private communities also keep a public actor, RFC 0005).
            "discoverable": group.visibility is Visibility.PUBLIC,
        }
    )
    if group.language:
        document["contentMap"] = {group.language: document["summary"]}
    if group.allow_anonymous_posts:
        # Ours: members of other Kinfolk nodes may post anonymously in it through their
        # node (federation.protocol.anonymous_posts). Other software ignores it.
        document["anonymousPosts"] = True
    if group.rules:
        # PieFed's property (``piefed:rules``, HTML): PieFed shows them, and so do we.
        document["rules"] = rules_html(group.rules)
    return document


def group_key_document(actor: ActorRef, keys: PublishedKeys, base_url: str) -> dict[str, Any]:
    """A private group's actor as an unsigned request gets it: its keys (so that servers
    which fetch keys without signing verify what the group signs), where to deliver, and
    nothing of the group itself (no name, description, counts or collections). Like
    GoToSocial's answer to unsigned fetches of a ``main-key``; the whole actor still needs
    a signed request. Its handle is in its URL and WebFinger already."""
    return with_context(
        {
            "id": actor.uri,
            "type": "Group",
            "preferredUsername": actor.handle,
            "inbox": urls.inbox(actor.uri),
            "endpoints": {"sharedInbox": urls.shared_inbox(base_url)},
            **_published_keys(actor.uri, keys),
            "discoverable": False,
        },
        context=CONTEXT,
    )


def application_document(actor: ActorRef, keys: PublishedKeys, base_url: str) -> dict[str, Any]:
    """The instance actor, which signs the node's own fetches."""
    document = _actor_base("Application", actor, keys, base_url, "")
    document["manuallyApprovesFollowers"] = True
    return document


def collection_count(collection_uri: str, total: int) -> dict[str, Any]:
    """A collection published by size only (its members stay private)."""
    return with_context(
        {"id": collection_uri, "type": "OrderedCollection", "totalItems": total},
        context=AS_CONTEXT,
    )


def ordered_collection(collection_uri: str, items: list[Any]) -> dict[str, Any]:
    """A small collection published whole (a group's pinned posts, its moderators), in the
    shape Lemmy and Mastodon read ``featured`` and ``moderators``."""
    return with_context(
        {
            "id": collection_uri,
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        },
        context=CONTEXT,
    )


def paged_collection(
    collection_uri: str, items: list[Any], *, page_size: int, page: int | None
) -> dict[str, Any]:
    """A short collection (at most a few pages), readable whole or a page at a time: the
    collection carries every item (Lemmy reads ``orderedItems``) and names its ``first``
    page; each ``OrderedCollectionPage`` names the ``next`` (Mastodon and Mbin page)."""
    if page is None:
        document = ordered_collection(collection_uri, items)
        document["first"] = f"{collection_uri}?page=1"
        return document
    start = (page - 1) * page_size
    document = with_context(
        {
            "id": f"{collection_uri}?page={page}",
            "type": "OrderedCollectionPage",
            "partOf": collection_uri,
            "totalItems": len(items),
            "orderedItems": items[start : start + page_size],
        },
        context=CONTEXT,
    )
    if start + page_size < len(items):
        document["next"] = f"{collection_uri}?page={page + 1}"
    return document
