"""Suspending an account of this node: nothing more goes out for it.

``node.suspensions`` records the suspension and its entry in the node's log; the
deliveries already queued for the account's activities are then dropped in the
same transaction, so not even what was queued before goes out. Lifting a
suspension touches only the domain (``node.suspensions.unsuspend_account``, which
the front ends call directly): nothing was deleted, so nothing needs sending again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.enqueue import drop_deliveries_of
from node import suspensions
from node.site import Site
from node.views import Viewer


@dataclass(frozen=True)
class Suspended:
    """The account as it now is, and how many of its queued deliveries were dropped."""

    status: suspensions.AccountStatus
    dropped: int


async def suspend_account(
    session: AsyncSession,
    site: Site,
    moderator: Viewer | None,
    acct: str,
    *,
    reason: str,
    now: datetime,
) -> Suspended:
    """Suspend a member of this node, saying why (``moderator`` None: the command line),
    and drop what is queued for its activities."""
    status = await suspensions.suspend_account(
        session, site, moderator, acct, reason=reason, now=now
    )
    dropped = await drop_deliveries_of(session, status.actor.uri, now=now)
    return Suspended(status, dropped)
