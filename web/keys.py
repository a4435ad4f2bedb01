"""Typed keys for the shared resources that ``create_app`` puts on the application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.delivery.worker import DeliveryConfig
from federation.workers import NodeWorkers
from node.passwords import Passwords
from node.sign_in import Throttle
from node.site import Site
from web.config import Settings

Clock = Callable[[], datetime]

SETTINGS = web.AppKey("settings", Settings)
SITE = web.AppKey("site", Site)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
PASSWORDS = web.AppKey("passwords", Passwords)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
FEDERATION = web.AppKey("federation", Federation)
WORKERS = web.AppKey("workers", NodeWorkers)
DELIVERY_CONFIG = web.AppKey("delivery_config", DeliveryConfig)
# The sign-in throttle, one for the pages and the API (node.sign_in).
THROTTLE = web.AppKey("sign_in_throttle", Throttle)
