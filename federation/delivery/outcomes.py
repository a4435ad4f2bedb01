"""Recording what became of sent deliveries: done, retried later, or failed.

Design note: recorded in the worker's round transaction. Rows are updated by
primary key, guarded by ``state = queued`` so a row failed meanwhile (say, as
unreachable) stays failed: delivered rows, nearly all of them, in one statement
per answer status, the rest in one executemany; rows waiting for a finished
one about the same object are released (``federation.delivery.waits``).
``federation.delivery.retry.decide``
picks the next attempt or gives up, a 429 does not count as an attempt, and a
``Retry-After`` also pauses the whole host. Then the hosts: failure streaks, breakers and the
signature standard learnt (``federation.delivery.destinations``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery.claims import Job
from federation.delivery.config import DeliveryConfig
from federation.delivery.destinations import HostReport, RecentlyHealthy, host_failed, update_hosts
from federation.delivery.retry import GiveUp, decide
from federation.delivery.sender import SendResult
from federation.delivery.waits import release_successors
from federation.tables import Delivery, QueueState

log = logging.getLogger("kinfolk.delivery")

_DELIVERIES = cast(Table, Delivery.__table__)
_COLUMNS = _DELIVERIES.c


@dataclass(frozen=True)
class Outcome:
    job: Job
    result: SendResult


async def record(
    session: AsyncSession,
    outcomes: Sequence[Outcome],
    now: datetime,
    config: DeliveryConfig,
    recent: RecentlyHealthy | None = None,
) -> None:
    """Store what happened to each sent row and to each host."""
    params: list[dict[str, Any]] = []
    delivered: defaultdict[tuple[int, int], list[int]] = defaultdict(list)
    reports: dict[str, HostReport] = {}
    for outcome in outcomes:
        job, result = outcome.job, outcome.result
        report = reports.setdefault(job.host, HostReport())
        report.failures.append(host_failed(result.status))
        report.successes += result.ok
        report.suspect = report.suspect or job.suspect
        report.standard = result.standard or report.standard
        if result.ok and result.status is not None:
            log.debug(
                "delivered %s to %s",
                job.activity_uri,
                job.inbox,
                extra={"host": job.host, "status": result.status, "attempt": job.attempts + 1},
            )
            delivered[result.status, job.attempts + 1].append(job.id)
        else:
            params.append(_row_update(job, result, now, report))
    for (status, attempts), ids in delivered.items():
        # Nearly every outcome: one statement per answer status, not one per row.
        await session.execute(
            _DELIVERED, {"ids": ids, "status": status, "attempts": attempts, "now": now}
        )
    if params:
        await session.execute(_UPDATE_ROW, params)
    finished = [row_id for ids in delivered.values() for row_id in ids]
    finished += [p["b_id"] for p in params if p["b_state"] is QueueState.FAILED]
    await release_successors(session, finished)
    await update_hosts(session, reports, now, config, recent)


def _row_update(job: Job, result: SendResult, now: datetime, report: HostReport) -> dict[str, Any]:
    row: dict[str, Any] = {
        "b_id": job.id,
        "b_attempts": job.attempts + 1,
        "b_status": result.status,
        "b_error": result.error,
        "b_claimed": None,
    }
    extra = {"host": job.host, "status": result.status, "attempt": job.attempts + 1}
    decision = decide(job.attempts + 1, result.status, result.retry_after, now)
    if isinstance(decision, GiveUp):
        log.warning(
            "gave up delivering %s to %s: %s (%s)",
            job.activity_uri,
            job.inbox,
            decision.reason,
            result.error,
            extra=extra,
        )
        return row | {"b_state": QueueState.FAILED, "b_next": None, "b_finished": now}
    log.info(
        "delivery of %s to %s failed (%s); retry at %s",
        job.activity_uri,
        job.inbox,
        result.error,
        decision.at.isoformat(),
        extra=extra,
    )
    if result.retry_after is not None and (
        report.pause_until is None or report.pause_until < decision.at
    ):
        report.pause_until = decision.at
    if decision.throttled:
        row["b_attempts"] = job.attempts  # the host paced us; that try does not count
    return row | {"b_state": QueueState.QUEUED, "b_next": decision.at, "b_finished": None}


_DELIVERED = (
    update(_DELIVERIES)
    .where(_COLUMNS.id.in_(bindparam("ids", expanding=True)), _COLUMNS.state == QueueState.QUEUED)
    .values(
        state=QueueState.DONE,
        attempts=bindparam("attempts", type_=_COLUMNS.attempts.type),
        claimed_until=None,
        last_status=bindparam("status", type_=_COLUMNS.last_status.type),
        last_error=None,
        finished_at=bindparam("now", type_=_COLUMNS.finished_at.type),
    )
)

# Columns left unchanged are passed as their own value: one statement, one executemany.
_UPDATE_ROW = (
    update(_DELIVERIES)
    .where(_COLUMNS.id == bindparam("b_id"), _COLUMNS.state == QueueState.QUEUED)
    .values(
        state=bindparam("b_state", type_=_COLUMNS.state.type),
        attempts=bindparam("b_attempts", type_=_COLUMNS.attempts.type),
        next_attempt_at=func.coalesce(
            bindparam("b_next", type_=_COLUMNS.next_attempt_at.type), _COLUMNS.next_attempt_at
        ),
        claimed_until=bindparam("b_claimed", type_=_COLUMNS.claimed_until.type),
        last_status=bindparam("b_status", type_=_COLUMNS.last_status.type),
        last_error=bindparam("b_error", type_=_COLUMNS.last_error.type),
        finished_at=bindparam("b_finished", type_=_COLUMNS.finished_at.type),
    )
)
