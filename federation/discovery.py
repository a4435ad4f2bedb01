"""WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.1 documents.

Pure functions from what the node knows to the JSON or XML other servers read;
the routes in ``web`` look the facts up and call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from xml.sax.saxutils import quoteattr

from federation.vocab import ACTIVITY_JSON
from node.storage.models import ActorKind
from node.views import ActorRef

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
AS_TYPE_PROPERTY = "https://www.w3.org/ns/activitystreams#type"


def software_version() -> str:
    try:
        return version("kinfolk")
    except PackageNotFoundError:
        return "0.0.0"


def parse_resource(resource: str, local_domain: str) -> tuple[str, str] | str | None:
    """``acct:name@domain`` → (name, domain); an http(s) URI → that URI; else None."""
    if resource.startswith("acct:"):
        name, _, domain = resource[5:].lstrip("@!").partition("@")
        if not name or not domain:
            return None
        return name, domain.lower()
    if resource.startswith(("https://", "http://")):
        return resource
    return None


def webfinger_document(actor: ActorRef) -> dict[str, Any]:
    kind = {ActorKind.GROUP: "Group", ActorKind.PERSON: "Person"}.get(actor.kind, "Application")
    return {
        "subject": f"acct:{actor.handle}@{actor.domain}",
        "aliases": [actor.uri],
        "links": [
            {
                "rel": "self",
                "type": ACTIVITY_JSON,
                "href": actor.uri,
                "properties": {AS_TYPE_PROPERTY: kind},
            },
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": actor.uri,
            },
        ],
    }


def host_meta_xml(base_url: str) -> str:
    template = quoteattr(f"{base_url}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template={template}/>\n'
        "</XRD>\n"
    )


def nodeinfo_links(base_url: str) -> dict[str, Any]:
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{base_url}/nodeinfo/2.1"}]}


@dataclass(frozen=True)
class Usage:
    users: int
    active_month: int
    active_halfyear: int
    local_posts: int


def nodeinfo_document(node_name: str, open_registrations: bool, usage: Usage) -> dict[str, Any]:
    return {
        "version": "2.1",
        "software": {
            "name": "kinfolk",
            "version": software_version(),
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {
                "total": usage.users,
                "activeMonth": usage.active_month,
                "activeHalfyear": usage.active_halfyear,
            },
            "localPosts": usage.local_posts,
        },
        "metadata": {"nodeName": node_name},
    }
