"""Building a node's federation machinery from its settings.

The web application and ``kinfolk worker`` build the same thing the same way:
one guarded HTTP client, one ``Federation`` context and the workers over it.
The settings are loaded by the composition roots (``web.config``); this module
names only the few it reads (``FederationSettings``), so federation never
imports web.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.delivery.worker import DeliveryConfig, DeliveryWorker
from federation.protocol.discovery import software_version
from federation.remote.http import Egress, client_session
from federation.signing.policy import TimeWindow
from federation.workers import NodeWorkers
from node.mail.sender import MailSender
from node.site import Site


class FederationSettings(Protocol):
    """What the federation machinery reads from the node's settings
    (``web.config.Settings`` is one: the app factory and ``kinfolk worker`` pass it)."""

    @property
    def base_url(self) -> str: ...

    @property
    def allow_private_addresses(self) -> bool: ...

    @property
    def authorized_fetch(self) -> bool: ...

    @property
    def signature_max_age(self) -> int: ...

    @property
    def signature_max_future(self) -> int: ...

    @property
    def delivery_concurrency(self) -> int: ...

    @property
    def blocklist_refresh_hours(self) -> int: ...


@dataclass(frozen=True)
class Runtime:
    federation: Federation
    workers: NodeWorkers


def delivery_config(settings: FederationSettings) -> DeliveryConfig:
    """The delivery worker's tunables from the node's settings.

    ``KINFOLK_DELIVERY_CONCURRENCY`` is the requests one worker process keeps in
    flight, and a claim may fill them all (``DeliveryConfig.with_slots``); how
    many a node needs is in ``DeliveryConfig``'s docstring.
    """
    return replace(
        DeliveryConfig().with_slots(settings.delivery_concurrency),
        user_agent=f"Kinfolk/{software_version()} (+{settings.base_url})",
    )


@asynccontextmanager
async def federation_runtime(
    settings: FederationSettings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    *,
    delivery: DeliveryConfig | None = None,
    mail: MailSender | None = None,
) -> AsyncIterator[Runtime]:
    egress = Egress(
        allow_private_addresses=settings.allow_private_addresses,
        allow_http=settings.base_url.startswith("http://"),
    )
    config = delivery or delivery_config(settings)
    async with client_session(
        egress, user_agent=config.user_agent, limit=config.max_sockets
    ) as http:
        federation = Federation(
            site=Site(settings.base_url),
            sessions=sessions,
            http=http,
            egress=egress,
            clock=clock,
            window=TimeWindow(
                max_age=timedelta(seconds=settings.signature_max_age),
                max_future=timedelta(seconds=settings.signature_max_future),
            ),
            authorized_fetch=settings.authorized_fetch,
        )
        worker = DeliveryWorker(sessions, http, clock, config)
        try:
            every = timedelta(hours=settings.blocklist_refresh_hours)
            workers = NodeWorkers(federation, worker, mail=mail, blocklists_every=every)
            yield Runtime(federation, workers)
        finally:
            await federation.inbox_writer.close()
