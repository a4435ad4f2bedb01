"""Blocklists the admin subscribes to: what is stored of each, the preview of what
applying it would change, and the apply itself.

Design note. A subscription keeps the list as last fetched (``blocklist_entries``, as the
list says it) apart from what it gave the rules when last applied
(``federation_rule_sources``, capped by its ceiling): a fetch changes nothing the node
enforces, so an admin sees a preview first, and a failed fetch leaves everything as it
was. Applying replaces the list's sources and rewrites the rules of the domains it names
now or named before, as ``merging.plan`` says. Fetching is federation's
(``federation.blocklists``); enforcing an apply (ties cut, deliveries dropped, caches
cleared) is ``federation.actions.policy_change``'s, as for every policy change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput, NotFound
from node.federation_policy import storage
from node.federation_policy.blocklist_formats import ParsedList
from node.federation_policy.decision import Rule, Severity
from node.federation_policy.merging import Plan, capped, plan
from node.storage.models.blocklists import BlocklistEntry, BlocklistSubscription, RuleSource
from node.storage.models.node_settings import FederationRule

URL_MAX = 2000
NAME_MAX = 200
_CHUNK = 500  # domains per IN (…): well below every backend's limit on parameters

T = TypeVar("T")


@dataclass(frozen=True)
class Subscription:
    """A subscribed list as the admin sees it."""

    id: int
    url: str
    name: str
    ceiling: Severity
    auto_apply: bool
    fetched_at: datetime | None
    applied_at: datetime | None
    pending: bool  # fetched entries not applied yet would change rules
    last_error: str
    last_error_at: datetime | None
    unapplicable: tuple[str, ...]
    entries: int

    @property
    def label(self) -> str:
        return self.name or self.url


@dataclass(frozen=True)
class Preview:
    subscription: Subscription
    plan: Plan


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


async def _view(session: AsyncSession, row: BlocklistSubscription) -> Subscription:
    entries = await session.scalar(
        select(func.count()).where(BlocklistEntry.subscription_id == row.id)
    )
    return Subscription(
        id=row.id,
        url=row.url,
        name=row.name,
        ceiling=Severity(row.ceiling),
        auto_apply=row.auto_apply,
        fetched_at=row.fetched_at,
        applied_at=row.applied_at,
        pending=row.pending,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        unapplicable=tuple(line for line in row.unapplicable.splitlines() if line),
        entries=int(entries or 0),
    )


def _ceiling(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        message = f"unknown ceiling {value!r}: choose {choices}"
        raise InvalidInput(message, field="ceiling") from None


async def subscribe(
    session: AsyncSession,
    url: str,
    *,
    ceiling: str,
    name: str = "",
    auto_apply: bool = False,
    now: datetime,
) -> Subscription:
    """Subscribe to the list at ``url``; nothing applies before it is fetched and applied
    (by the admin, or on each fetch if ``auto_apply``)."""
    url, name = url.strip(), name.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > URL_MAX:
        raise InvalidInput("the list's address must be an http(s) URL", field="url")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"a name has at most {NAME_MAX} characters", field="name")
    taken = select(BlocklistSubscription.id).where(BlocklistSubscription.url == url)
    if await session.scalar(taken):
        raise InvalidInput("this list is subscribed already", field="url")
    row = BlocklistSubscription(
        url=url,
        name=name,
        ceiling=_ceiling(ceiling).value,
        auto_apply=auto_apply,
        etag="",
        last_modified="",
        pending=False,
        last_error="",
        unapplicable="",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return await _view(session, row)


async def _find(session: AsyncSession, ident: str | int) -> BlocklistSubscription:
    """A subscription by its number, its URL or its name."""
    key = str(ident).strip()
    conditions = [BlocklistSubscription.url == key, BlocklistSubscription.name == key]
    if key.isdigit():
        conditions.append(BlocklistSubscription.id == int(key))
    row = await session.scalar(
        select(BlocklistSubscription).where(or_(*conditions)).order_by(BlocklistSubscription.id)
    )
    if row is None:
        raise NotFound(f"no subscribed list is {key!r}", field="subscription")
    return row


async def subscription(session: AsyncSession, ident: str | int) -> Subscription:
    return await _view(session, await _find(session, ident))


async def list_subscriptions(session: AsyncSession) -> list[Subscription]:
    rows = await session.scalars(select(BlocklistSubscription).order_by(BlocklistSubscription.id))
    return [await _view(session, row) for row in rows]


async def change_subscription(
    session: AsyncSession,
    ident: str | int,
    *,
    ceiling: str | None = None,
    auto_apply: bool | None = None,
) -> Subscription:
    """Change a list's ceiling or whether it applies on each fetch (applies at the next
    apply: see the preview)."""
    row = await _find(session, ident)
    if ceiling is not None:
        row.ceiling = _ceiling(ceiling).value
    if auto_apply is not None:
        row.auto_apply = auto_apply
    row.pending = bool((await _plan(session, row)).changes)
    return await _view(session, row)


async def validators(session: AsyncSession, ident: str | int) -> tuple[int, str, str, str]:
    """What a fetch sends: the list's id, URL, ETag and Last-Modified of the last answer."""
    row = await _find(session, ident)
    return row.id, row.url, row.etag, row.last_modified


async def due(session: AsyncSession, *, now: datetime, every: timedelta) -> list[int]:
    """The lists whose last fetch (or failed try) is older than ``every``."""
    rows = await session.execute(
        select(
            BlocklistSubscription.id,
            BlocklistSubscription.fetched_at,
            BlocklistSubscription.last_error_at,
        ).order_by(BlocklistSubscription.id)
    )
    found = []
    for ident, fetched, failed in rows:
        tries = [t for t in (fetched, failed) if t is not None]
        if not tries or now - max(tries) >= every:
            found.append(ident)
    return found


async def record_fetched(
    session: AsyncSession,
    ident: int,
    parsed: ParsedList | None,
    *,
    etag: str = "",
    last_modified: str = "",
    now: datetime,
) -> Subscription:
    """Keep what a fetch brought (``None``: the list has not changed since)."""
    row = await _find(session, ident)
    row.fetched_at, row.last_error, row.last_error_at = now, "", None
    if parsed is not None:
        row.etag, row.last_modified = etag[:500], last_modified[:100]
        row.unapplicable = "\n".join(line.replace("\n", " ") for line in parsed.unapplicable)
        old = delete(BlocklistEntry).where(BlocklistEntry.subscription_id == row.id)
        await session.execute(old)
        if parsed.rules:
            await session.execute(insert(BlocklistEntry), [_entry(row.id, r) for r in parsed.rules])
        row.pending = bool((await _plan(session, row)).changes)
    return await _view(session, row)


async def record_failure(session: AsyncSession, ident: int, error: str, *, now: datetime) -> None:
    """A fetch failed: said to the admin; what was fetched and applied before stays."""
    row = await _find(session, ident)
    row.last_error, row.last_error_at = error[:1000], now


def _entry(subscription_id: int, rule: Rule) -> dict[str, object]:
    return {
        "subscription_id": subscription_id,
        "domain": rule.domain,
        "severity": rule.severity.value,
        "reject_media": rule.reject_media,
        "reject_reports": rule.reject_reports,
        "public_comment": rule.public_comment,
    }


def _given(row: BlocklistEntry | RuleSource) -> Rule:
    return Rule(
        domain=row.domain,
        severity=Severity(row.severity),
        reject_media=row.reject_media,
        reject_reports=row.reject_reports,
        public_comment=row.public_comment,
        local=False,
    )


async def _given_now(session: AsyncSession, row: BlocklistSubscription) -> dict[str, Rule]:
    ceiling = Severity(row.ceiling)
    entries = await session.scalars(
        select(BlocklistEntry).where(BlocklistEntry.subscription_id == row.id)
    )
    return {entry.domain: capped(_given(entry), ceiling) for entry in entries}


async def _plan(
    session: AsyncSession, row: BlocklistSubscription, given: dict[str, Rule] | None = None
) -> Plan:
    """What giving ``given`` (default: the list as last fetched) would change."""
    if given is None:
        given = await _given_now(session, row)
    before = await session.scalars(
        select(RuleSource.domain).where(RuleSource.subscription_id == row.id)
    )
    domains = sorted(set(given) | set(before))
    current: dict[str, Rule] = {}
    others: dict[str, list[Rule]] = defaultdict(list)
    for chunk in _chunks(domains):
        for rule_row in await session.scalars(
            select(FederationRule).where(FederationRule.domain.in_(chunk))
        ):
            current[rule_row.domain] = storage.rule_of(rule_row)
        for source in await session.scalars(
            select(RuleSource).where(
                RuleSource.domain.in_(chunk), RuleSource.subscription_id != row.id
            )
        ):
            others[source.domain].append(_given(source))
    return plan(domains, current, others, given)


async def preview(session: AsyncSession, ident: str | int) -> Preview:
    """What applying the list as last fetched would change."""
    row = await _find(session, ident)
    return Preview(await _view(session, row), await _plan(session, row))


async def _carry_out(session: AsyncSession, changes: Plan, *, now: datetime) -> None:
    kept = [change.after for change in changes.changes if change.after is not None]
    gone = [change.domain for change in changes.changes if change.after is None]
    for chunk in _chunks(kept):
        await storage.replace_rules(session, chunk, now=now)
    for domains in _chunks(gone):
        await session.execute(
            delete(FederationRule).where(
                FederationRule.domain.in_(domains), FederationRule.local.is_(False)
            )
        )


async def apply(session: AsyncSession, ident: str | int, *, now: datetime) -> Preview:
    """Apply the list as last fetched: its sources replaced, the rules rewritten."""
    row = await _find(session, ident)
    given = await _given_now(session, row)
    changes = await _plan(session, row, given)
    await session.execute(delete(RuleSource).where(RuleSource.subscription_id == row.id))
    sources = [_entry(row.id, rule) for rule in given.values()]
    for chunk in _chunks(sources):
        await session.execute(insert(RuleSource), list(chunk))
    await _carry_out(session, changes, now=now)
    row.applied_at, row.pending = now, False
    return Preview(await _view(session, row), changes)


async def unsubscribe(session: AsyncSession, ident: str | int, *, now: datetime) -> Preview:
    """Stop following a list: the rules that came from it alone go, the others are merged
    again from the lists that remain (the admin's own rules stay as they are)."""
    row = await _find(session, ident)
    changes = await _plan(session, row, {})
    view = await _view(session, row)
    await session.execute(delete(RuleSource).where(RuleSource.subscription_id == row.id))
    await _carry_out(session, changes, now=now)
    await session.delete(row)
    return Preview(view, changes)


async def sources_of(session: AsyncSession, domains: Iterable[str]) -> dict[str, list[str]]:
    """Which lists each rule came from (their names, or URLs), for the policy listing."""
    wanted = sorted(set(domains))
    found: dict[str, list[str]] = defaultdict(list)
    for chunk in _chunks(wanted):
        rows = await session.execute(
            select(RuleSource.domain, BlocklistSubscription.name, BlocklistSubscription.url)
            .join(BlocklistSubscription, BlocklistSubscription.id == RuleSource.subscription_id)
            .where(RuleSource.domain.in_(chunk))
            .order_by(RuleSource.domain, BlocklistSubscription.id)
        )
        for domain, name, url in rows:
            found[domain].append(name or url)
    return dict(found)
