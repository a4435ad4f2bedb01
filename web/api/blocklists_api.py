"""Admins: shared blocklists the node follows, and the trusted tier.

The same services as ``kinfolk policy subscription …``/``policy trust`` and the admin page
(``node.federation_policy.subscriptions``, ``federation.blocklists.refresh``,
``federation.actions.policy_change``): an apply cuts what it refuses at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from federation.actions import policy_change
from federation.blocklists import Fetcher, refresh
from node import permissions
from node.federation_policy import subscriptions
from node.federation_policy.decision import Severity
from node.federation_policy.merging import ChangeKind
from node.federation_policy.subscriptions import Preview, Subscription
from web.api.operation import Auth, Body, Call, Operation
from web.keys import FEDERATION


class SubscribeBody(Body):
    url: str = Field(max_length=subscriptions.URL_MAX, description="The list's http(s) address")
    name: str = Field("", max_length=subscriptions.NAME_MAX)
    ceiling: Severity = Field(Severity.LIMIT, description="The most severe the list may set")
    auto_apply: bool = Field(False, description="Apply each fetch at once (default: preview)")


class SubscriptionOut(BaseModel):
    id: int
    url: str
    name: str
    ceiling: Severity
    auto_apply: bool
    entries: int = Field(description="Domains in the list as last fetched")
    fetched_at: datetime | None
    applied_at: datetime | None
    pending: bool = Field(description="The last fetch would change rules if applied")
    last_error: str
    last_error_at: datetime | None
    unapplicable: list[str] = Field(description="Entries that cannot be applied, and why")


class ChangeOut(BaseModel):
    domain: str
    change: ChangeKind
    before: Severity | None
    after: Severity | None


class PreviewOut(BaseModel):
    subscription: SubscriptionOut
    changes: list[ChangeOut]
    kept_local: list[str] = Field(description="Domains it names whose rule the admin set")


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class TrustedOut(BaseModel):
    domain: str
    trusted: bool


def subscription_out(found: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=found.id,
        url=found.url,
        name=found.name,
        ceiling=found.ceiling,
        auto_apply=found.auto_apply,
        entries=found.entries,
        fetched_at=found.fetched_at,
        applied_at=found.applied_at,
        pending=found.pending,
        last_error=found.last_error,
        last_error_at=found.last_error_at,
        unapplicable=list(found.unapplicable),
    )


def preview_out(shown: Preview) -> PreviewOut:
    return PreviewOut(
        subscription=subscription_out(shown.subscription),
        changes=[
            ChangeOut(
                domain=change.domain,
                change=change.kind,
                before=change.before.severity if change.before else None,
                after=change.after.severity if change.after else None,
            )
            for change in shown.plan.changes
        ],
        kept_local=list(shown.plan.kept_local),
    )


async def list_blocklists(call: Call[Any, Any]) -> SubscriptionList:
    permissions.require_node_admin(call.member)
    found = await subscriptions.list_subscriptions(call.session)
    return SubscriptionList(items=[subscription_out(s) for s in found])


async def subscribe_blocklist(call: Call[SubscribeBody, Any]) -> SubscriptionOut:
    permissions.require_node_admin(call.member)
    body = call.body
    found = await subscriptions.subscribe(
        call.session,
        body.url,
        ceiling=body.ceiling.value,
        name=body.name,
        auto_apply=body.auto_apply,
        now=call.now,
    )
    return subscription_out(found)


async def preview_blocklist(call: Call[Any, Any]) -> PreviewOut:
    permissions.require_node_admin(call.member)
    return preview_out(await subscriptions.preview(call.session, call.path("id")))


async def refresh_blocklist(call: Call[Any, Any]) -> SubscriptionOut:
    """Fetch now (in its own transactions, as the workers do)."""
    permissions.require_node_admin(call.member)
    found = await subscriptions.subscription(call.session, call.path("id"))
    fed = call.request.app[FEDERATION]
    fetcher = Fetcher(fed.sessions, fed.http, fed.egress, fed.clock, fed.policy)
    return subscription_out((await refresh(fetcher, found.id)).subscription)


async def apply_blocklist(call: Call[Any, Any]) -> PreviewOut:
    permissions.require_node_admin(call.member)
    cache = call.request.app[FEDERATION].policy
    applied = await policy_change.apply_subscription(
        call.session, call.path("id"), now=call.now, cache=cache
    )
    return preview_out(applied.value)


async def unsubscribe_blocklist(call: Call[Any, Any]) -> PreviewOut:
    permissions.require_node_admin(call.member)
    cache = call.request.app[FEDERATION].policy
    left = await policy_change.unsubscribe(call.session, call.path("id"), now=call.now, cache=cache)
    return preview_out(left.value)


async def _trust(call: Call[Any, Any], trusted: bool) -> TrustedOut:
    permissions.require_node_admin(call.member)
    rule = await policy_change.set_trusted(
        call.session,
        call.path("domain"),
        trusted,
        now=call.now,
        cache=call.request.app[FEDERATION].policy,
    )
    return TrustedOut(domain=rule.domain, trusted=trusted)


async def trust_node(call: Call[Any, Any]) -> TrustedOut:
    return await _trust(call, True)


async def untrust_node(call: Call[Any, Any]) -> TrustedOut:
    return await _trust(call, False)


L = "/api/v1/admin/federation/lists"
T = "/api/v1/admin/federation/trusted/{domain}"
OPERATIONS = (
    Operation(
        "GET",
        L,
        list_blocklists,
        "Admins: the subscribed blocklists and their state",
        "admin",
        auth=Auth.REQUIRED,
        response=SubscriptionList,
        errors=(401, 403),
    ),
    Operation(
        "POST",
        L,
        subscribe_blocklist,
        "Admins: subscribe to a blocklist by URL (nothing applies before a fetch and apply)",
        "admin",
        auth=Auth.REQUIRED,
        body=SubscribeBody,
        response=SubscriptionOut,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        L + "/{id}/preview",
        preview_blocklist,
        "Admins: what applying the list as last fetched would change",
        "admin",
        auth=Auth.REQUIRED,
        response=PreviewOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        L + "/{id}/refresh",
        refresh_blocklist,
        "Admins: fetch the list now (applied at once only if it applies itself)",
        "admin",
        auth=Auth.REQUIRED,
        response=SubscriptionOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        L + "/{id}/apply",
        apply_blocklist,
        "Admins: apply the list as last fetched",
        "admin",
        auth=Auth.REQUIRED,
        response=PreviewOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "DELETE",
        L + "/{id}",
        unsubscribe_blocklist,
        "Admins: unsubscribe; rules that came from this list alone are removed",
        "admin",
        auth=Auth.REQUIRED,
        response=PreviewOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "PUT",
        T,
        trust_node,
        "Admins: mark a node trusted",
        "admin",
        auth=Auth.REQUIRED,
        response=TrustedOut,
        errors=(401, 403, 422),
    ),
    Operation(
        "DELETE",
        T,
        untrust_node,
        "Admins: no longer trust a node",
        "admin",
        auth=Auth.REQUIRED,
        response=TrustedOut,
        errors=(401, 403, 422),
    ),
)
