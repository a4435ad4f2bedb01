"""WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.1 documents.

Pure functions from what the node knows to the JSON or XML other servers read;
the routes in ``web`` look the facts up and call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from xml.sax.saxutils import quoteattr

from federation.protocol.vocab import ACTIVITY_JSON
from node.federation_policy.decision import PublicPolicy, PublicRule
from node.kinds import ActorKind
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


def federation_metadata(policy: PublicPolicy) -> dict[str, Any]:
    """The federation policy as NodeInfo ``metadata.federation``: the mode and the domains
    held off, each with its public reason, and the same lists in Pleroma's ``mrf_simple``
    shape (with ``mrf_simple_info`` for reasons), which Pleroma-FE, Akkoma and blocklist
    crawlers read. Obfuscated domains are shown as Mastodon shows them, with a digest."""

    def entries(rules: tuple[PublicRule, ...]) -> list[dict[str, str]]:
        return [{"domain": r.domain, "digest": r.digest, "reason": r.reason} for r in rules]

    lists = {
        "reject": policy.blocked,
        "federated_timeline_removal": policy.limited,
        "media_removal": policy.media_rejected,
        "report_removal": policy.reports_rejected,
    }
    info = {
        key: {r.domain: {"reason": r.reason} for r in rules if r.reason}
        for key, rules in lists.items()
    }
    return {
        "mode": policy.mode.value,
        "blocked": entries(policy.blocked),
        "limited": entries(policy.limited),
        "mrf_policies": ["SimplePolicy"],
        "mrf_simple": {key: [r.domain for r in rules] for key, rules in lists.items()},
        "mrf_simple_info": {key: reasons for key, reasons in info.items() if reasons},
    }


def nodeinfo_document(
    node_name: str, open_registrations: bool, usage: Usage, *, policy: PublicPolicy | None = None
) -> dict[str, Any]:
    """NodeInfo 2.1; with ``policy`` (when the admin publishes it), its federation summary."""
    metadata: dict[str, Any] = {"nodeName": node_name}
    if policy is not None:
        metadata["federation"] = federation_metadata(policy)
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
        "metadata": metadata,
    }
