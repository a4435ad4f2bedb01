"""``GET /metrics``: the Prometheus text format, for the node's own monitoring only.

Guard: the client (as ``web.client_address`` works it out behind trusted proxies)
must be in ``KINFOLK_METRICS_ALLOWED`` (by default this machine), or send
``Authorization: Bearer`` with ``KINFOLK_METRICS_TOKEN`` (compared in constant
time). Anyone else gets the same 404 as for any unknown address: the endpoint is
not advertised. Queue depths and delivery outcomes are read from the database
at each scrape (``web.metrics.collector``) and are the same from every process.

The counters (requests, inbox answers, signatures, key fetches) are this
process's. When ``PROMETHEUS_MULTIPROC_DIR`` names a directory (read by
prometheus-client itself when it is imported), every process on the machine
writes its counters there and any ``serve`` process answers with their sum
(the library's multiprocess mode); otherwise scrape each ``serve`` process.
"""

from __future__ import annotations

import hmac
import os

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from federation.health import node_health
from web.client_address import address_within
from web.keys import CLOCK, SESSIONS, SETTINGS
from web.metrics.collector import HealthCollector

METRICS_PATH = "/metrics"


def _allowed(request: web.Request) -> bool:
    settings = request.app[SETTINGS]
    if settings.metrics_token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), settings.metrics_token.encode()
        ):
            return True
    return address_within(request.remote, settings.metrics_allowed)


def process_registry() -> CollectorRegistry:
    """The counters to answer with: this process's, or every process's in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


async def metrics(request: web.Request) -> web.Response:
    if not _allowed(request):
        raise web.HTTPNotFound()
    async with request.app[SESSIONS]() as session:
        health = await node_health(session, request.app[CLOCK]())
    scraped = CollectorRegistry()
    scraped.register(HealthCollector(health))
    body = generate_latest(process_registry()) + generate_latest(scraped)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_metrics_routes(app: web.Application) -> None:
    app.router.add_get(METRICS_PATH, metrics)
