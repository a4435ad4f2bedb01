"""Reports that another node sends us (its ``Flag``), taken in as values.

Federation checks who sent the report and whether the sender's domain may report
at all; ``reports.receive_flag`` decides what in it is ours to moderate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from node.federated.actors import KnownActor
from node.reports import care, remote_reports
from node.storage.models.actors import Actor


async def reports_from_flag(
    session: AsyncSession,
    *,
    uri: str,
    reporter: KnownActor,
    targets: Sequence[str],
    reason: str,
    now: datetime,
) -> list[str]:
    """A report from another node: a report here of each thing it names that is ours to
    moderate (``reports.receive_flag``); what each is about, by URI."""
    made = await remote_reports.receive_flag(
        session,
        uri=uri,
        reporter=await session.get_one(Actor, reporter.id),
        targets=targets,
        reason=reason,
        now=now,
    )
    return [report.target_uri for report in made]


async def care_reports_from_flag(
    session: AsyncSession, *, uri: str, reporter: KnownActor, targets: Sequence[str], now: datetime
) -> list[str]:
    """Another node is worried about members of ours (its care ``Flag``): a care report
    and a kind message for each (``reports.care.receive_care_flag``); whom, by URI."""
    made = await care.receive_care_flag(
        session,
        uri=uri,
        reporter=await session.get_one(Actor, reporter.id),
        targets=targets,
        now=now,
    )
    return [report.target_uri for report in made]
