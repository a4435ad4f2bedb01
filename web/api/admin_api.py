"""Node administration: suspending accounts, the node's moderation log, federation policy.

Suspensions and the node-level log are for node staff (admins and moderators);
the federation policy is for admins (its shared blocklists and trusted tier:
``web.api.blocklists_api``). Suspending and changing the policy are the
services the pages and ``kinfolk`` call too (``federation.actions``): a suspended
account's queued deliveries are dropped; a policy change cuts ties with refused
domains and drops their queued deliveries in the same transaction, clears this
process's policy cache, and other processes reload theirs within seconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from federation.actions import policy_change, suspension
from federation.policy_cache import PolicyCache
from node import moderation, permissions, suspensions
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import Mode, Rule, Severity
from node.kinds import NodeRole
from web.api.groups_api import PageQuery
from web.api.moderation_api import LogPage, log_page
from web.api.operation import Auth, Body, Call, Operation
from web.api.schemas import ActorOut, actor_out
from web.keys import FEDERATION

REASON_MAX = 2000


# --- accounts -----------------------------------------------------------------------------


class SuspendBody(Body):
    reason: str = Field(
        "",
        max_length=moderation.REASON_MAX,
        description="Why: written to the node's moderation log",
    )


class AccountStatusOut(BaseModel):
    actor: ActorOut
    role: NodeRole
    suspended: bool
    suspended_at: datetime | None = Field(description="When it was suspended; null if not")


def status_out(status: suspensions.AccountStatus) -> AccountStatusOut:
    return AccountStatusOut(
        actor=actor_out(status.actor),
        role=status.role,
        suspended=status.suspended_at is not None,
        suspended_at=status.suspended_at,
    )


async def suspend_account(call: Call[SuspendBody, Any]) -> AccountStatusOut:
    # Nothing more goes out for it, not even what was queued before.
    suspended = await suspension.suspend_account(
        call.session,
        call.site,
        call.member,
        call.path("acct"),
        reason=call.body.reason,
        now=call.now,
    )
    return status_out(suspended.status)


async def unsuspend_account(call: Call[Any, Any]) -> None:
    await suspensions.unsuspend_account(
        call.session, call.site, call.member, call.path("acct"), now=call.now
    )


async def node_log(call: Call[Any, PageQuery]) -> LogPage:
    page = await suspensions.list_node_log(
        call.session, call.member, cursor=call.query.cursor, limit=call.query.limit
    )
    return log_page(page)


# --- federation policy --------------------------------------------------------------------


class ModeBody(Body):
    mode: Mode


class ModeOut(BaseModel):
    mode: Mode


class PublishBody(Body):
    publish: bool = Field(description="Publish the mode and the domains held off in NodeInfo")


class PublishOut(BaseModel):
    publish: bool


class FederationRuleBody(Body):
    severity: Severity = Field(
        Severity.NOOP,
        description="suspend: no traffic either way, content hidden; limit: out of the "
        "directory, posts for group members only; noop: neither",
    )
    reject_media: bool = False
    reject_reports: bool = False
    allow: bool = Field(False, description="Listed for allowlist mode")
    public_reason: str = Field("", max_length=REASON_MAX, description="Shown to others")
    private_reason: str = Field("", max_length=REASON_MAX, description="For admins only")
    obfuscate: bool = Field(False, description="Publish the domain partly hidden with *")


class FederationRuleOut(BaseModel):
    domain: str = Field(description="example.com (and its subdomains), *.example.com, host:port")
    severity: Severity
    reject_media: bool
    reject_reports: bool
    allow: bool
    public_reason: str
    private_reason: str
    obfuscate: bool
    trusted: bool = Field(description="The trusted tier (set with PUT .../trusted/{domain})")
    local: bool = Field(description="Set by an admin; subscribed lists never change it")
    lists: list[str] = Field(description="The subscribed lists that name the domain")


class RulePage(BaseModel):
    items: list[FederationRuleOut]
    next_cursor: str | None


def rule_out(rule: Rule, lists: list[str] | None = None) -> FederationRuleOut:
    return FederationRuleOut(
        domain=rule.domain,
        severity=rule.severity,
        reject_media=rule.reject_media,
        reject_reports=rule.reject_reports,
        allow=rule.allow,
        public_reason=rule.public_comment,
        private_reason=rule.private_comment,
        obfuscate=rule.obfuscate,
        trusted=rule.trusted,
        local=rule.local,
        lists=lists or [],
    )


def _policy_cache(call: Call[Any, Any]) -> PolicyCache:
    """This process's policy cache, cleared by a change (others reload within seconds)."""
    return call.request.app[FEDERATION].policy


async def get_federation_mode(call: Call[Any, Any]) -> ModeOut:
    permissions.require_node_admin(call.member)
    return ModeOut(mode=await storage.get_mode(call.session))


async def set_federation_mode(call: Call[ModeBody, Any]) -> ModeOut:
    permissions.require_node_admin(call.member)
    changed = await policy_change.set_mode(
        call.session, call.body.mode, now=call.now, cache=_policy_cache(call)
    )
    return ModeOut(mode=changed.value)


async def get_policy_publishing(call: Call[Any, Any]) -> PublishOut:
    permissions.require_node_admin(call.member)
    return PublishOut(publish=await storage.get_publish(call.session))


async def set_policy_publishing(call: Call[PublishBody, Any]) -> PublishOut:
    permissions.require_node_admin(call.member)
    publish = await storage.set_publish(call.session, call.body.publish, now=call.now)
    return PublishOut(publish=publish)


async def list_federation_rules(call: Call[Any, PageQuery]) -> RulePage:
    permissions.require_node_admin(call.member)
    page = await storage.list_rules_page(
        call.session, cursor=call.query.cursor, limit=call.query.limit
    )
    lists = await subscriptions.sources_of(call.session, [rule.domain for rule in page.items])
    items = [rule_out(rule, lists.get(rule.domain)) for rule in page.items]
    return RulePage(items=items, next_cursor=page.next_cursor)


async def put_federation_rule(call: Call[FederationRuleBody, Any]) -> FederationRuleOut:
    permissions.require_node_admin(call.member)
    body = call.body
    rule = Rule(
        domain=call.path("domain"),
        severity=body.severity,
        reject_media=body.reject_media,
        reject_reports=body.reject_reports,
        allow=body.allow,
        public_comment=body.public_reason,
        private_comment=body.private_reason,
        obfuscate=body.obfuscate,
    )
    changed = await policy_change.put_rule(
        call.session, rule, now=call.now, cache=_policy_cache(call)
    )
    return rule_out(changed.value)


async def remove_federation_rule(call: Call[Any, Any]) -> None:
    permissions.require_node_admin(call.member)
    # In allowlist mode, removing an allow refuses: that is cut at once too.
    await policy_change.remove_rule(
        call.session, call.path("domain"), now=call.now, cache=_policy_cache(call)
    )


A = "/api/v1/admin"
F = A + "/federation"
OPERATIONS = (
    Operation(
        "POST",
        A + "/accounts/{acct}/suspend",
        suspend_account,
        "Node staff: suspend an account of this node, saying why (it cannot sign in, "
        "its posts are hidden, nothing is sent for it)",
        "admin",
        auth=Auth.REQUIRED,
        body=SuspendBody,
        response=AccountStatusOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "DELETE",
        A + "/accounts/{acct}/suspend",
        unsuspend_account,
        "Node staff: lift a suspension",
        "admin",
        auth=Auth.REQUIRED,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "GET",
        A + "/log",
        node_log,
        "Node staff: the node's own moderation log (suspensions, …), newest first",
        "admin",
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=LogPage,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        F + "/mode",
        get_federation_mode,
        "Admins: the federation mode (open, blocklist, allowlist)",
        "admin",
        auth=Auth.REQUIRED,
        response=ModeOut,
        errors=(401, 403),
    ),
    Operation(
        "PUT",
        F + "/mode",
        set_federation_mode,
        "Admins: choose the federation mode",
        "admin",
        auth=Auth.REQUIRED,
        body=ModeBody,
        response=ModeOut,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        F + "/publish",
        get_policy_publishing,
        "Admins: whether NodeInfo publishes the federation policy",
        "admin",
        auth=Auth.REQUIRED,
        response=PublishOut,
        errors=(401, 403),
    ),
    Operation(
        "PUT",
        F + "/publish",
        set_policy_publishing,
        "Admins: publish the federation policy in NodeInfo, or stop",
        "admin",
        auth=Auth.REQUIRED,
        body=PublishBody,
        response=PublishOut,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        F + "/rules",
        list_federation_rules,
        "Admins: the federation rules, by domain",
        "admin",
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=RulePage,
        errors=(401, 403, 422),
    ),
    Operation(
        "PUT",
        F + "/rules/{domain}",
        put_federation_rule,
        "Admins: set a domain's whole rule (a suspension cuts its ties at once)",
        "admin",
        auth=Auth.REQUIRED,
        body=FederationRuleBody,
        response=FederationRuleOut,
        errors=(401, 403, 422),
    ),
    Operation(
        "DELETE",
        F + "/rules/{domain}",
        remove_federation_rule,
        "Admins: delete a domain's rule",
        "admin",
        auth=Auth.REQUIRED,
        errors=(401, 403, 404, 422),
    ),
)
