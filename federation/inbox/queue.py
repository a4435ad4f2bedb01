"""The inbox worker: accepted activities, from the queue to the handlers.

Each queued item is claimed for a while (``LEASE``, so a worker that dies lets it go)
and handled in two phases: ``federation.inbox.prefetch`` fetches what it refers to,
then ``federation.inbox.dispatch`` hands its reading to a handler, in one transaction
of its own. An activity we understand but do not act on (yet) is marked done with a
log line saying why (``Ignored``); one that is malformed or that the node refuses is
kept as failed with its reason, for admins; one whose handling fails for a passing
reason (a remote fetch) is retried a few times (``RETRY_DELAYS``), then kept as failed
with its error. After an account's ``Delete`` of itself, its posts are wiped, a batch
per transaction, once the item's own transaction is done.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import or_, select, update

from federation.context import Federation
from federation.inbox.account_deletion import is_account_delete
from federation.inbox.dispatch import process
from federation.inbox.handlers.accounts import wipe_deleted_account
from federation.inbox.prefetch import prefetch
from federation.inbox.prepared import Ignored
from federation.protocol.vocab import Malformed
from federation.remote.http import FetchError
from federation.tables import InboxItem, QueueState
from node.errors import DomainError

log = logging.getLogger("kinfolk.processing")

LEASE = timedelta(minutes=2)
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30))
BATCH = 50


async def _claim(fed: Federation) -> list[int]:
    now = fed.clock()
    async with fed.sessions.begin() as session:
        statement = (
            select(InboxItem.id)
            .where(
                InboxItem.state == QueueState.QUEUED,
                InboxItem.next_attempt_at <= now,
                or_(InboxItem.claimed_until.is_(None), InboxItem.claimed_until < now),
            )
            .order_by(InboxItem.id)
            .limit(BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        ids = list(await session.scalars(statement))
        if ids:
            await session.execute(
                update(InboxItem).where(InboxItem.id.in_(ids)).values(claimed_until=now + LEASE)
            )
    return ids


async def _handle_item(fed: Federation, item_id: int) -> None:
    async with fed.sessions() as session:
        item = await session.get_one(InboxItem, item_id)
        activity, signed = json.loads(item.payload), bool(item.key_id)
    outcome: tuple[QueueState, str | None] = (QueueState.DONE, None)
    try:
        prepared = await prefetch(fed, activity, signed=signed)
        async with fed.sessions.begin() as session:
            await process(fed, session, prepared)
        if is_account_delete(prepared.activity):
            await wipe_deleted_account(fed, prepared.activity["actor"])
    except Ignored as exc:
        log.info("ignored %s: %s", activity.get("id"), exc)
    except (Malformed, DomainError) as exc:
        log.info("refused %s: %s", activity.get("id"), exc)
        outcome = (QueueState.FAILED, str(exc))
    except FetchError as exc:
        outcome = (QueueState.QUEUED, exc.reason)
    now = fed.clock()
    async with fed.sessions.begin() as session:
        item = await session.get_one(InboxItem, item_id)
        item.attempts += 1
        item.claimed_until = None
        item.last_error = outcome[1]
        if outcome[0] is QueueState.QUEUED and item.attempts <= len(RETRY_DELAYS):
            item.next_attempt_at = now + RETRY_DELAYS[item.attempts - 1]
            log.info("will retry %s: %s", item.activity_uri, outcome[1])
            return
        item.state = QueueState.FAILED if outcome[1] else QueueState.DONE
        item.processed_at = now


async def process_once(fed: Federation) -> int:
    """Process one batch of due inbox items; return how many were handled."""
    ids = await _claim(fed)
    for item_id in ids:
        await _handle_item(fed, item_id)
    return len(ids)
