"""Changing the federation policy, and cutting at once what the change refuses.

Every change (the mode, a domain's rule, an import, a removal: in allowlist mode
removing an allow refuses; a subscribed blocklist applied or left) is followed in the
same transaction by the same two steps: ties with the domains now refused are cut
(``cut_refused_ties``) and the deliveries queued for them dropped. The process that
made the change then clears its own policy cache (pass ``cache``); other processes
reload theirs within seconds (``federation.policy_cache``). Whether NodeInfo publishes
the policy is no change to it: ``node.federation_policy.storage.set_publish`` alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.enqueue import drop_refused_deliveries
from federation.policy_cache import PolicyCache
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import Mode, Rule
from node.federation_policy.storage import CutTies
from node.federation_policy.subscriptions import Preview

T = TypeVar("T")


@dataclass(frozen=True)
class Enforced:
    """What a policy change cut at once."""

    cut: CutTies
    dropped: list[str]  # hosts whose queued deliveries were dropped


@dataclass(frozen=True)
class Changed(Generic[T]):
    """What a change stored, and what it cut at once."""

    value: T
    enforced: Enforced


async def _enforce(session: AsyncSession, now: datetime, cache: PolicyCache | None) -> Enforced:
    cut = await storage.cut_refused_ties(session)
    enforced = Enforced(cut, await drop_refused_deliveries(session, now=now))
    if cache is not None:
        cache.invalidate()  # others reload within seconds
    return enforced


async def set_mode(
    session: AsyncSession, mode: str, *, now: datetime, cache: PolicyCache | None = None
) -> Changed[Mode]:
    """Choose open, blocklist or allowlist."""
    stored = await storage.set_mode(session, mode, now=now)
    return Changed(stored, await _enforce(session, now, cache))


async def set_rule(
    session: AsyncSession,
    domain: str,
    action: str,
    *,
    reason: str | None = None,
    private_reason: str | None = None,
    now: datetime,
    cache: PolicyCache | None = None,
) -> Changed[Rule]:
    """Add ``action`` to a domain's rule (``kinfolk policy set``)."""
    rule = await storage.set_rule(
        session, domain, action, reason=reason, private_reason=private_reason, now=now
    )
    return Changed(rule, await _enforce(session, now, cache))


async def put_rule(
    session: AsyncSession, rule: Rule, *, now: datetime, cache: PolicyCache | None = None
) -> Changed[Rule]:
    """Set a domain's whole rule as given (the admin API and page)."""
    stored = await storage.put_rule(session, rule, now=now)
    return Changed(stored, await _enforce(session, now, cache))


async def remove_rule(
    session: AsyncSession, domain: str, *, now: datetime, cache: PolicyCache | None = None
) -> Enforced:
    """Delete a domain's rule (in allowlist mode, that refuses the domain)."""
    await storage.remove_rule(session, domain)
    return await _enforce(session, now, cache)


async def import_rules(
    session: AsyncSession,
    rules: Iterable[Rule],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    cache: PolicyCache | None = None,
) -> Changed[int]:
    """Merge rules into the policy (Mastodon's domain-block CSV, read whole before);
    the value is how many domains were imported."""
    count = await storage.import_rules(session, rules, now=now, progress=progress)
    return Changed(count, await _enforce(session, now, cache))


async def apply_subscription(
    session: AsyncSession, ident: str | int, *, now: datetime, cache: PolicyCache | None = None
) -> Changed[Preview]:
    """Apply a subscribed blocklist as last fetched; the value says what changed."""
    applied = await subscriptions.apply(session, ident, now=now)
    return Changed(applied, await _enforce(session, now, cache))


async def unsubscribe(
    session: AsyncSession, ident: str | int, *, now: datetime, cache: PolicyCache | None = None
) -> Changed[Preview]:
    """Leave a blocklist: the rules that came from it alone go, the rest are merged again."""
    left = await subscriptions.unsubscribe(session, ident, now=now)
    return Changed(left, await _enforce(session, now, cache))


async def set_trusted(
    session: AsyncSession,
    domain: str,
    trusted: bool,
    *,
    now: datetime,
    cache: PolicyCache | None = None,
) -> Rule:
    """Mark a domain trusted, or no longer (it refuses nothing: nothing to cut)."""
    rule = await storage.set_trusted(session, domain, trusted, now=now)
    if cache is not None:
        cache.invalidate()
    return rule
