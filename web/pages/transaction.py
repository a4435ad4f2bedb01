"""One database transaction per page request, as the API has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from web.keys import SESSIONS


@asynccontextmanager
async def transaction(request: web.Request) -> AsyncIterator[AsyncSession]:
    async with request.app[SESSIONS].begin() as session:
        yield session
