"""What the delivery worker knows about each remote host: health, breaker, signatures.

Design note: one ``destinations`` row per host (``host[:port]``, lower case,
default ports dropped) gathers what single deliveries cannot see:

* a failure streak (network errors, timeouts, 408 and 5xx; other answers prove
  the host alive). At ``breaker_threshold`` failures in a row the breaker opens:
  ``backoff_until`` grows from ``breaker_base``, doubling, up to
  ``breaker_max``, and while it is open nothing is claimed for the host. Once it
  has passed, one probe at a time is sent (the claim gives failing hosts a
  single slot).
* recovery: the first success after a streak pulls every queued row of the
  host forward to "now", so a node that was down catches up at once instead
  of waiting out each row's own backoff (Synapse's catch-up, in one UPDATE).
* a ``Retry-After`` (429, 503) pauses the whole host until then.
* after ``unreachable_after`` of uninterrupted failure the host is marked
  unreachable and its queued rows fail without being sent; ``mark_host_alive``
  (called by the inbox on a valid signed request from the host) resumes it.
* which signature standard the host accepts (FEP-844e double-knocking):
  ``cavage`` (it refused RFC 9421), ``rfc9421`` (with the RSA key) or
  ``ed25519`` (RFC 9421 with the Ed25519 key, a tenth of RSA's signing cost).
  The evidence is ranked: a host's own answers rule; what it advertises
  (``generator.implements``) or signs with may raise an unknown or RSA-only
  standard to Ed25519 but never overrides a refusal.

Rows are locked in host order (``FOR UPDATE`` on PostgreSQL) so two workers
updating the same hosts serialise instead of deadlocking.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import cast
from urllib.parse import urlsplit

from sqlalchemy import Case, ColumnElement, Insert, Table, bindparam, case, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.config import DeliveryConfig
from federation.tables import Delivery, Destination, QueueState
from node.storage.engine import upsert_into

log = logging.getLogger("kinfolk.delivery")

RFC9421 = "rfc9421"
ED25519 = "ed25519"
CAVAGE = "cavage"
UNREACHABLE_ERROR = "host unreachable; not sent"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TABLE = cast(Table, Destination.__table__)


def host_of(url: str) -> str:
    """The host key of a URL: lower-case host, with the port unless it is the default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"not an absolute URL: {url}")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    return host


def host_failed(status: int | None) -> bool:
    """Whether an answer counts against the host's health (no answer, 408 or 5xx)."""
    return status is None or status == 408 or status >= 500


@dataclass
class HostReport:
    """What one batch of deliveries learnt about one host."""

    failures: list[bool] = field(default_factory=list)  # per request: True = host failure
    successes: int = 0  # 2xx answers
    pause_until: datetime | None = None  # a Retry-After the host asked for
    standard: str | None = None  # signature standard the host accepted
    suspect: bool = False  # the host had a failure streak when the rows were claimed

    @property
    def healthy(self) -> bool:
        """Only successes from a host in good standing: one cheap upsert will do."""
        return (
            self.successes == len(self.failures) and not self.suspect and self.pause_until is None
        )


def breaker_delay(streak: int, config: DeliveryConfig) -> timedelta:
    """How long the breaker stays open after ``streak`` consecutive failures."""
    over = streak - config.breaker_threshold
    if over < 0:
        return timedelta()
    return min(config.breaker_base * (1 << min(over, 20)), config.breaker_max)


@dataclass
class RecentlyHealthy:
    """Hosts one worker recorded as healthy lately, so it need not upsert them again.

    Under load a worker records the same hundred hosts' successes many times a
    second, and an upsert per host each time (to move ``last_success_at``) was
    a large part of recording. Hosts seen healthy within ``refresh`` get one
    statement for all of them instead, which only clears a failure streak
    another worker may have recorded meanwhile; ``last_success_at`` is then at
    most ``refresh`` old. Entries are per host this worker sends to.
    """

    refresh: timedelta = timedelta(seconds=30)
    seen: dict[str, datetime] = field(default_factory=dict)

    def fresh(self, host: str, now: datetime) -> bool:
        seen = self.seen.get(host)
        return seen is not None and timedelta() <= now - seen < self.refresh


async def update_hosts(
    session: AsyncSession,
    reports: Mapping[str, HostReport],
    now: datetime,
    config: DeliveryConfig,
    recent: RecentlyHealthy | None = None,
) -> None:
    """Apply one batch's outcomes to the hosts' rows (creating rows for new hosts)."""
    recent = recent or RecentlyHealthy()
    healthy = sorted(host for host, report in reports.items() if report.healthy)
    known = [h for h in healthy if reports[h].standard is None and recent.fresh(h, now)]
    if known:
        await session.execute(_CLEAR_STREAKS, {"hosts": known})
    upsert = sorted(set(healthy) - set(known))
    if upsert:
        await session.execute(
            _healthy_upsert(_dialect(session)),
            [
                {"host": h, "last_success_at": now, "signature_standard": reports[h].standard}
                for h in upsert
            ],
        )
        recent.seen.update(dict.fromkeys(upsert, now))
    other = sorted(host for host, report in reports.items() if not report.healthy)
    for host in other:
        recent.seen.pop(host, None)
    if other:
        rows = await _lock(session, other)
        for host in other:
            await _apply(session, rows[host], reports[host], now, config)


async def mark_host_alive(session: AsyncSession, host: str, now: datetime) -> bool:
    """The host just proved itself alive (a valid signed request): resume sending to it.

    Clears its failure streak, breaker and unreachable mark and makes its queued
    rows due now. Rows already failed as unreachable stay failed. Returns whether
    the host had been failing.
    """
    result = await session.execute(
        update(Destination)
        .where(
            Destination.host == host,
            (Destination.consecutive_failures > 0) | Destination.unreachable_since.is_not(None),
        )
        .values(
            consecutive_failures=0, failing_since=None, backoff_until=None, unreachable_since=None
        )
    )
    if not getattr(result, "rowcount", 0):
        return False
    await _catch_up(session, host, now)
    log.info("host %s is alive again", host, extra={"host": host})
    return True


async def learn_standards(session: AsyncSession, standards: Mapping[str, str]) -> None:
    """Hosts that signed to us, or advertise, RFC 9421 (``standards``: host -> standard).

    An unknown standard is set; ``rfc9421`` is raised to ``ed25519``; nothing
    else changes: a host that refused RFC 9421 before keeps draft-cavage (it may
    verify what it signs, but it told us otherwise).
    """
    rows = [{"host": host, "signature_standard": standards[host]} for host in sorted(standards)]
    if rows:
        await session.execute(_learn_upsert(_dialect(session)), rows)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


@cache
def _learn_upsert(dialect: str) -> Insert:
    statement = upsert_into(_TABLE, dialect)
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.host],
        set_={
            # A claim fills in what is unknown and may raise RSA to Ed25519, nothing more.
            "signature_standard": _standard_after(
                _TABLE.c.signature_standard, statement.excluded.signature_standard
            )
        },
    )


def _standard_after(ruling: ColumnElement[str], other: ColumnElement[str]) -> Case[str]:
    """``ruling`` evidence of a host's signature standard, unless it has none, or says
    only RFC 9421 with RSA where ``other`` knows the host takes Ed25519."""
    return case(
        (ruling.is_(None), other),
        ((ruling == RFC9421) & (other == ED25519), other),
        else_=ruling,
    )


@cache
def _healthy_upsert(dialect: str) -> Insert:
    # A success resets the streak and closes a breaker (but keeps a Retry-After
    # pause of a host that was not failing); a learnt signature standard sticks.
    statement = upsert_into(_TABLE, dialect)
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.host],
        set_={
            "consecutive_failures": 0,
            "failing_since": None,
            "unreachable_since": None,
            "last_success_at": statement.excluded.last_success_at,
            # What a send taught rules, except that an RSA success (a send that
            # raced the host's upgrade) does not lower a known Ed25519.
            "signature_standard": _standard_after(
                statement.excluded.signature_standard, _TABLE.c.signature_standard
            ),
            "backoff_until": case(
                (_TABLE.c.consecutive_failures > 0, null()), else_=_TABLE.c.backoff_until
            ),
        },
    )


# What the healthy upsert does to a host with a streak, for hosts known to have a row.
_CLEAR_STREAKS = (
    update(_TABLE)
    .where(_TABLE.c.host.in_(bindparam("hosts", expanding=True)), _TABLE.c.consecutive_failures > 0)
    .values(consecutive_failures=0, failing_since=None, unreachable_since=None, backoff_until=None)
)


@cache
def _insert_missing(dialect: str) -> Insert:
    return upsert_into(_TABLE, dialect).on_conflict_do_nothing(index_elements=[_TABLE.c.host])


async def _lock(session: AsyncSession, hosts: Sequence[str]) -> dict[str, Destination]:
    await session.execute(
        _insert_missing(_dialect(session)),
        [{"host": h, "consecutive_failures": 0} for h in hosts],
    )
    found = await session.scalars(
        select(Destination)
        .where(Destination.host.in_(hosts))
        .order_by(Destination.host)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.host: row for row in found}


async def _apply(
    session: AsyncSession,
    row: Destination,
    report: HostReport,
    now: datetime,
    config: DeliveryConfig,
) -> None:
    was_failing = row.consecutive_failures > 0
    succeeded = False
    for failed in report.failures:
        if failed:
            row.consecutive_failures += 1
            row.failing_since = row.failing_since or now
        else:
            succeeded = True
            row.consecutive_failures = 0
            row.failing_since = None
    if report.standard is not None:
        row.signature_standard = report.standard
    if succeeded:
        row.unreachable_since = None
    if report.successes:
        row.last_success_at = now
    streak = row.consecutive_failures
    if streak == 0 and was_failing:
        row.backoff_until = None  # the breaker closes (a Retry-After pause of a healthy host stays)
    elif streak >= config.breaker_threshold:
        row.backoff_until = now + breaker_delay(streak, config)
        log.warning(
            "breaker open for %s after %d consecutive failures, until %s",
            row.host,
            streak,
            row.backoff_until.isoformat(),
            extra={"host": row.host, "failures": streak},
        )
    if report.pause_until is not None and (
        row.backoff_until is None or row.backoff_until < report.pause_until
    ):
        row.backoff_until = report.pause_until
    if (
        streak
        and row.unreachable_since is None
        and row.failing_since is not None
        and now - row.failing_since >= config.unreachable_after
    ):
        row.unreachable_since = now
        await _fail_queued(session, row.host, now)
    if was_failing and streak == 0:
        await _catch_up(session, row.host, now)
        log.info("host %s recovered; its queue is due now", row.host, extra={"host": row.host})


async def _catch_up(session: AsyncSession, host: str, now: datetime) -> None:
    await session.execute(
        update(Delivery)
        .where(
            Delivery.host == host,
            Delivery.state == QueueState.QUEUED,
            Delivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


async def _fail_queued(session: AsyncSession, host: str, now: datetime) -> None:
    result = await session.execute(
        update(Delivery)
        .where(Delivery.host == host, Delivery.state == QueueState.QUEUED)
        .values(
            state=QueueState.FAILED,
            finished_at=now,
            claimed_until=None,
            last_error=UNREACHABLE_ERROR,
        )
        .execution_options(synchronize_session=False)
    )
    log.warning(
        "host %s unreachable: failing for a week; %d queued deliveries dropped",
        host,
        getattr(result, "rowcount", 0),
        extra={"host": host, "dropped": getattr(result, "rowcount", 0)},
    )
