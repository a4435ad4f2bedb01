"""Storing the federation policy: the mode, the rules per domain, and what a change cuts.

Design note. ``node.federation_policy.decision`` decides; this module reads and writes
what it decides from. A running node sees changes within seconds without a
restart: the web and worker processes reload the policy on a short timer
(``federation.policy_cache``), and queueing reads the rules for its target hosts in
its own transaction (``policy_for_hosts``). Suspending a domain (or leaving it
out of an allowlist) cuts existing ties at once: ``cut_refused_ties`` removes
its actors' memberships in our groups and follows either way, sending nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.federation_policy.decision import (
    DEFAULT_MODE,
    Mode,
    Policy,
    Rule,
    Severity,
    candidate_domains,
    decide,
    normalize_domain,
)
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.storage.engine import upsert_into
from node.storage.models.actors import Actor, Follow
from node.storage.models.groups import Group, Membership
from node.storage.models.node_settings import FederationRule, NodeSetting

MODE_SETTING = "federation_mode"
# "on": NodeInfo publishes the mode and the domains held off (off unless the admin chooses).
PUBLISH_SETTING = "federation_publish"
IMPORT_BATCH = 1000

# What ``kinfolk policy set DOMAIN ACTION`` may say, and what each changes on the rule.
ACTIONS = ("suspend", "limit", "reject-media", "reject-reports", "allow")

_RULES = cast(Table, FederationRule.__table__)
_SETTINGS = cast(Table, NodeSetting.__table__)


def rule_of(row: FederationRule) -> Rule:
    return Rule(
        domain=row.domain,
        severity=Severity(row.severity),
        reject_media=row.reject_media,
        reject_reports=row.reject_reports,
        allow=row.allow,
        public_comment=row.public_comment,
        private_comment=row.private_comment,
        obfuscate=row.obfuscate,
        local=row.local,
        trusted=row.trusted,
    )


def _values(rule: Rule, now: datetime) -> dict[str, Any]:
    return {
        "domain": rule.domain,
        "severity": rule.severity.value,
        "reject_media": rule.reject_media,
        "reject_reports": rule.reject_reports,
        "allow": rule.allow,
        "public_comment": rule.public_comment,
        "private_comment": rule.private_comment,
        "obfuscate": rule.obfuscate,
        "local": rule.local,
        "trusted": rule.trusted,
        "updated_at": now,
    }


async def get_mode(session: AsyncSession) -> Mode:
    value = await session.scalar(select(NodeSetting.value).where(NodeSetting.name == MODE_SETTING))
    return DEFAULT_MODE if value is None else Mode(value)


async def _put_setting(session: AsyncSession, name: str, value: str, *, now: datetime) -> None:
    statement = upsert_into(_SETTINGS, session.get_bind().dialect.name).values(
        name=name, value=value, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )


async def set_mode(session: AsyncSession, mode: str, *, now: datetime) -> Mode:
    """Switch between ``open``, ``blocklist`` and ``allowlist``."""
    try:
        chosen = Mode(mode)
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise InvalidInput(f"unknown mode {mode!r}: choose {choices}", field="mode") from None
    await _put_setting(session, MODE_SETTING, chosen.value, now=now)
    return chosen


async def get_publish(session: AsyncSession) -> bool:
    """Whether NodeInfo tells others the policy (its mode and the domains held off)."""
    value = await session.scalar(
        select(NodeSetting.value).where(NodeSetting.name == PUBLISH_SETTING)
    )
    return value == "on"


async def set_publish(session: AsyncSession, publish: bool, *, now: datetime) -> bool:
    await _put_setting(session, PUBLISH_SETTING, "on" if publish else "off", now=now)
    return publish


async def list_rules(session: AsyncSession) -> list[Rule]:
    """Every rule, by domain."""
    rows = await session.scalars(select(FederationRule).order_by(FederationRule.domain))
    return [rule_of(row) for row in rows]


async def list_rules_page(
    session: AsyncSession, *, cursor: str | None = None, limit: int | None = None
) -> Page[Rule]:
    """The rules a page at a time, by domain (an imported blocklist holds thousands)."""
    limit = check_limit(limit)
    statement = select(FederationRule).order_by(FederationRule.domain).limit(limit + 1)
    if cursor:
        (after,) = decode_cursor(cursor, str)
        statement = statement.where(FederationRule.domain > after)
    rows = (await session.scalars(statement)).all()
    next_cursor = encode_cursor(rows[limit - 1].domain) if len(rows) > limit else None
    return Page(items=[rule_of(row) for row in rows[:limit]], next_cursor=next_cursor)


async def load_policy(session: AsyncSession) -> Policy:
    """The whole policy (for the in-memory cache of a running node)."""
    rules = await list_rules(session)
    return Policy(await get_mode(session), {rule.domain: rule for rule in rules})


async def policy_for_hosts(
    session: AsyncSession, hosts: Iterable[str], *, mode: Mode | None = None
) -> Policy:
    """The policy as far as it concerns ``hosts``: only the rules that could match them
    (``mode``: the mode, if the caller has read it already)."""
    mode = mode or await get_mode(session)
    if mode is Mode.OPEN:
        return Policy(mode)
    candidates = {domain for host in hosts for domain in candidate_domains(host)}
    if not candidates:
        return Policy(mode)
    rows = await session.scalars(
        select(FederationRule).where(FederationRule.domain.in_(sorted(candidates)))
    )
    return Policy(mode, {row.domain: rule_of(row) for row in rows})


async def set_rule(
    session: AsyncSession,
    domain: str,
    action: str,
    *,
    reason: str | None = None,
    private_reason: str | None = None,
    now: datetime,
) -> Rule:
    """Add ``action`` (one of ``ACTIONS``) to the domain's rule, creating it if need be."""
    if action not in ACTIONS:
        raise InvalidInput(
            f"unknown action {action!r}: choose {', '.join(ACTIONS)}", field="action"
        )
    key = normalize_domain(domain)
    row = await session.get(FederationRule, key)
    rule = Rule(key) if row is None else replace(rule_of(row), local=True)  # the admin's now
    if action == "suspend":
        rule = replace(rule, severity=Severity.SUSPEND)
    elif action == "limit":
        rule = replace(rule, severity=Severity.LIMIT)
    elif action == "reject-media":
        rule = replace(rule, reject_media=True)
    elif action == "reject-reports":
        rule = replace(rule, reject_reports=True)
    else:
        rule = replace(rule, allow=True)
    if reason is not None:
        rule = replace(rule, public_comment=reason)
    if private_reason is not None:
        rule = replace(rule, private_comment=private_reason)
    await _upsert(session, [rule], now=now)
    return rule


async def put_rule(session: AsyncSession, rule: Rule, *, now: datetime) -> Rule:
    """Set a domain's whole rule as given (the admin API's PUT), replacing what was there
    but whether the domain is trusted (``set_trusted``); the admin's rule from now on."""
    rule = replace(rule, domain=normalize_domain(rule.domain), local=True)
    row = await session.get(FederationRule, rule.domain)
    rule = replace(rule, trusted=row is not None and row.trusted)
    await replace_rules(session, [rule], now=now)
    return rule


async def replace_rules(session: AsyncSession, rules: Sequence[Rule], *, now: datetime) -> None:
    """Store these rules whole (normalized already), replacing what was there."""
    statement = upsert_into(_RULES, session.get_bind().dialect.name)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["domain"],
            set_={c.name: statement.excluded[c.name] for c in _RULES.c if c.name != "domain"},
        ),
        [_values(rule, now) for rule in rules],
    )


async def set_trusted(session: AsyncSession, domain: str, trusted: bool, *, now: datetime) -> Rule:
    """Mark a domain trusted, or no longer (a rule that then says nothing is removed)."""
    key = normalize_domain(domain)
    row = await session.get(FederationRule, key)
    rule = replace(Rule(key) if row is None else rule_of(row), trusted=trusted, local=True)
    if not trusted and rule == Rule(key):
        if row is not None:
            await session.delete(row)
        return rule
    await replace_rules(session, [rule], now=now)
    return rule


async def remove_rule(session: AsyncSession, domain: str) -> None:
    key = normalize_domain(domain)
    result = await session.execute(delete(FederationRule).where(FederationRule.domain == key))
    if not getattr(result, "rowcount", 0):
        raise NotFound(f"there is no rule for {key}", field="domain")


async def _upsert(session: AsyncSession, rules: Sequence[Rule], *, now: datetime) -> None:
    statement = upsert_into(_RULES, session.get_bind().dialect.name)
    # Set from the file; an ``allow`` and a private comment already here are kept.
    kept = {"domain", "allow", "private_comment", "trusted"}
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["domain"],
            set_={c.name: statement.excluded[c.name] for c in _RULES.c if c.name not in kept},
        ),
        [_values(rule, now) for rule in rules],
    )


async def import_rules(
    session: AsyncSession,
    rules: Iterable[Rule],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    batch: int = IMPORT_BATCH,
) -> int:
    """Merge rules into the policy (a domain listed twice: the last wins), in batches;
    ``progress`` is told how many are stored so far. Returns how many were imported."""
    unique = {rule.domain: rule for rule in rules}
    ordered = list(unique.values())
    for start in range(0, len(ordered), batch):
        await _upsert(session, ordered[start : start + batch], now=now)
        if progress is not None:
            progress(min(start + batch, len(ordered)))
    return len(ordered)


@dataclass(frozen=True)
class CutTies:
    domains: list[str]
    memberships: int
    follows: int


async def cut_refused_ties(session: AsyncSession, policy: Policy | None = None) -> CutTies:
    """Remove memberships and follows of actors on domains the policy refuses (nothing is
    sent to them: a refused node gets no traffic either way)."""
    policy = policy or await load_policy(session)
    domains = await session.scalars(select(Actor.domain).where(Actor.local.is_(False)).distinct())
    refused = sorted(d for d in domains if not decide(policy, d).federates)
    if not refused:
        return CutTies([], 0, 0)
    actors = select(Actor.id).where(Actor.local.is_(False), Actor.domain.in_(refused))
    # Their members in our groups, and our members in their groups.
    their_groups = select(Group.id).where(Group.actor_id.in_(actors))
    memberships = await session.execute(
        delete(Membership).where(
            Membership.member_id.in_(actors) | Membership.group_id.in_(their_groups)
        )
    )
    follows = await session.execute(
        delete(Follow).where(Follow.follower_id.in_(actors) | Follow.followee_id.in_(actors))
    )
    return CutTies(
        refused,
        int(getattr(memberships, "rowcount", 0) or 0),
        int(getattr(follows, "rowcount", 0) or 0),
    )
