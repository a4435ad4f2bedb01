"""Fixtures shared by the tests that run inbox handlers against one node's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.context import Federation
from federation.remote.http import Egress
from federation.signing.policy import TimeWindow
from node.passwords import Passwords
from node.site import Site
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


@pytest.fixture
async def fed(
    sessions: async_sessionmaker[AsyncSession], site: Site, now: datetime
) -> AsyncIterator[Federation]:
    """The federation context the handlers run in (nothing here touches the network)."""
    async with aiohttp.ClientSession() as http:
        yield Federation(
            site=site,
            sessions=sessions,
            http=http,
            egress=Egress(allow_private_addresses=False, allow_http=True),
            clock=lambda: now,
            window=TimeWindow(),
        )
