"""What waits for a signed-in member: the handle, language and counts every page's
header shows, and the country crisis resources are chosen for, read in one statement.

Design note: the header was six services asked in turn (account and actor, the
moderation queue, kind messages, conversations, quiet hours, notifications): nine
statements on every signed-in page, each a round trip to PostgreSQL. Each service
now also gives its count as a query, and this module asks them all at once as
scalar subqueries beside the account's row; what each counts stays defined in its
own module (the API and the conversation pages still ask them one by one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.conversations.listings import unread_messages_query, waiting_requests_query
from node.notifications.counts import unread_query as notifications_query
from node.notifications.quiet import DEFAULT_TIME_ZONE, QuietHours, is_quiet
from node.reports.care_messages import unread_query as care_query
from node.reports.report_queue import moderated_group_ids_query
from node.storage.models.actors import Account, Actor
from node.storage.models.notifications import NotificationSettings
from node.views import Viewer


@dataclass(frozen=True)
class Waiting:
    """The header's view of a member: who they are and what is new for them."""

    handle: str
    locale: str
    # The country they asked crisis resources for (empty: not said).
    crisis_country: str
    # Whether the moderation queue is theirs (node staff, or a group moderator here).
    moderates: bool
    care_unread: int
    # New messages in their conversations plus requests waiting for their answer.
    conversations_unread: int
    # New notifications: none during their quiet hours.
    notifications_unread: int


async def waiting_for(session: AsyncSession, viewer: Viewer, *, now: datetime) -> Waiting:
    """What the header shows ``viewer`` at ``now`` (one statement)."""
    moderates = literal(True) if viewer.is_node_staff else exists(moderated_group_ids_query(viewer))
    row = (
        await session.execute(
            select(
                Actor.handle,
                Account.locale,
                Account.crisis_country,
                moderates,
                care_query(viewer).scalar_subquery(),
                unread_messages_query(viewer.actor_id).scalar_subquery(),
                waiting_requests_query(viewer.actor_id).scalar_subquery(),
                notifications_query(viewer.actor_id).scalar_subquery(),
                NotificationSettings.time_zone,
                NotificationSettings.quiet_start,
                NotificationSettings.quiet_end,
            )
            .select_from(Account)
            .join(Actor, Actor.id == Account.actor_id)
            .outerjoin(NotificationSettings, NotificationSettings.account_id == Account.id)
            .where(Account.id == viewer.account_id)
        )
    ).one()
    handle, locale, country, moderating, care, messages, requests, notes, zone, start, end = row
    quiet = QuietHours(time_zone=zone or DEFAULT_TIME_ZONE, start=start, end=end)
    return Waiting(
        handle=handle,
        locale=locale,
        crisis_country=country or "",
        moderates=bool(moderating),
        care_unread=care or 0,
        conversations_unread=(messages or 0) + (requests or 0),
        notifications_unread=0 if is_quiet(quiet, now) else notes or 0,
    )
