"""Fetching subscribed blocklists: by hand (``kinfolk policy subscription refresh``, the
admin page) or on a schedule by the background workers.

Design note. A list is fetched through the egress guard like everything else a node
fetches (no private addresses unless the node allows them), capped at ``MAX_LIST_BYTES``,
conditionally (the list's ETag and Last-Modified). Each fetch is its own transaction:
what it brought is kept (``node.federation_policy.subscriptions.record_fetched``) and, if
the admin chose so for the list, applied at once with every policy change's enforcement;
a failed fetch is noted for the admin and changes nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.actions import policy_change
from federation.policy_cache import PolicyCache
from federation.remote.http import Egress, FetchError, fetch_file
from node.errors import InvalidInput
from node.federation_policy import subscriptions
from node.federation_policy.blocklist_formats import parse_blocklist
from node.federation_policy.subscriptions import Subscription

log = logging.getLogger("kinfolk.blocklists")

MAX_LIST_BYTES = 16 * 1024 * 1024  # the largest lists in use hold some 10,000 domains
REFRESH_EVERY = timedelta(hours=6)


@dataclass(frozen=True)
class Refreshed:
    """What a fetch found: the list as stored, whether it was applied at once, and the
    error if the fetch failed (then nothing changed)."""

    subscription: Subscription
    applied: bool
    error: str = ""


@dataclass(frozen=True)
class Fetcher:
    """What fetching needs: the sessions, the HTTP client, the egress guard, the clock,
    and the policy cache to clear after an automatic apply."""

    sessions: async_sessionmaker[AsyncSession]
    http: aiohttp.ClientSession
    egress: Egress
    clock: Callable[[], datetime]
    cache: PolicyCache | None = None


async def refresh(fetcher: Fetcher, ident: str | int) -> Refreshed:
    """Fetch one list now (and apply it if the admin chose so for it)."""
    async with fetcher.sessions.begin() as session:
        list_id, url, etag, last_modified = await subscriptions.validators(session, ident)
    try:
        fetched = await fetch_file(
            fetcher.http,
            fetcher.egress,
            url,
            max_bytes=MAX_LIST_BYTES,
            etag=etag,
            last_modified=last_modified,
        )
        parsed = None if fetched.body is None else parse_blocklist(fetched.body)
    except (FetchError, InvalidInput) as error:
        reason = error.reason if isinstance(error, FetchError) else error.message
        log.warning(
            "blocklist %s not fetched: %s", url, reason, extra={"list": list_id, "error": reason}
        )
        async with fetcher.sessions.begin() as session:
            await subscriptions.record_failure(session, list_id, reason, now=fetcher.clock())
            view = await subscriptions.subscription(session, list_id)
        return Refreshed(view, applied=False, error=reason)
    async with fetcher.sessions.begin() as session:
        now = fetcher.clock()
        view = await subscriptions.record_fetched(
            session,
            list_id,
            parsed,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            now=now,
        )
        applied = view.auto_apply and view.pending
        if applied:
            changed = await policy_change.apply_subscription(
                session, list_id, now=now, cache=fetcher.cache
            )
            view = changed.value.subscription
    log.info(
        "blocklist %s fetched: %d entries, %s",
        url,
        view.entries,
        "applied" if applied else ("changes to preview" if view.pending else "nothing new"),
        extra={"list": list_id, "entries": view.entries, "applied": applied},
    )
    return Refreshed(view, applied=applied)


async def refresh_due(fetcher: Fetcher, every: timedelta = REFRESH_EVERY) -> int:
    """Fetch the lists last fetched (or tried) ``every`` ago or longer; how many."""
    async with fetcher.sessions.begin() as session:
        due = await subscriptions.due(session, now=fetcher.clock(), every=every)
    for list_id in due:
        await refresh(fetcher, list_id)
    return len(due)
