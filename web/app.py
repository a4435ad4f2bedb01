"""The application factory: the one place where settings, storage and routes meet.

Nothing happens at import time. ``create_app`` wires shared resources onto the
application under typed keys; the engine is opened and closed by a cleanup
context, so tests and the CLI start and stop nodes the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import text

from federation.delivery.worker import DeliveryConfig
from federation.runtime import federation_runtime
from node.passwords import Passwords
from node.sign_in import Throttle
from node.site import Site
from node.storage.engine import create_engine, create_sessionmaker
from web.activitypub import add_activitypub_routes
from web.api.routes import add_api_routes
from web.bodies import close_after_refused_body
from web.calendar_feeds import add_calendar_routes
from web.client_address import client_address_middleware
from web.config import Settings
from web.inbox import add_inbox_routes
from web.keys import (
    CLOCK,
    DELIVERY_CONFIG,
    ENGINE,
    FEDERATION,
    PASSWORDS,
    SESSIONS,
    SETTINGS,
    SITE,
    THROTTLE,
    WORKERS,
    Clock,
)
from web.mail import mail_sender
from web.metrics.endpoint import add_metrics_routes
from web.metrics.requests import request_metrics_middleware
from web.pages import add_page_routes
from web.problems import problems_middleware
from web.security_headers import security_headers_middleware


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    passwords: Passwords | None = None,
    clock: Clock = _utc_now,
    delivery: DeliveryConfig | None = None,
) -> web.Application:
    """A node's web application. ``passwords``, ``clock`` and ``delivery`` are
    injectable for tests and benchmarks."""
    # Every reader of a body counts its limit itself, on the whole body as it streams
    # in (web.bodies); this is the outer bound for anything read otherwise.
    app = web.Application(
        middlewares=[
            request_metrics_middleware,
            security_headers_middleware,
            client_address_middleware,
            close_after_refused_body,
            problems_middleware,
        ],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    app[SITE] = Site(settings.base_url)
    app[PASSWORDS] = passwords or Passwords()
    app[CLOCK] = clock
    app[THROTTLE] = Throttle(settings.secret_key)
    if delivery is not None:
        app[DELIVERY_CONFIG] = delivery
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_federation)
    add_api_routes(app)
    add_activitypub_routes(app)
    add_inbox_routes(app)
    add_page_routes(app)
    add_calendar_routes(app)
    add_metrics_routes(app)
    app.router.add_get("/healthz", health)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    app[ENGINE] = engine
    app[SESSIONS] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def _federation(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with federation_runtime(
        settings,
        app[SESSIONS],
        app[CLOCK],
        delivery=app.get(DELIVERY_CONFIG),
        mail=mail_sender(settings, app[SESSIONS], app[CLOCK]),
    ) as runtime:
        app[FEDERATION] = runtime.federation
        app[WORKERS] = runtime.workers
        stop = asyncio.Event()
        embedded = None
        if settings.embedded_worker:
            embedded = asyncio.create_task(runtime.workers.run(stop))
        yield
        stop.set()
        if embedded is not None:
            await embedded


async def health(request: web.Request) -> web.Response:
    """For load balancers and monitoring: 200 when the database answers."""
    async with request.app[ENGINE].connect() as connection:
        await connection.execute(text("SELECT 1"))
    return web.json_response({"status": "ok"})
