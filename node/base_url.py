"""The base URL a node's database belongs to, remembered so it cannot change by accident.

Every local member, group and post is named by a URI under the base URL
(``node.site``), and other servers remember those names. A command run against the
database with another base URL (a shell without the server's ``KINFOLK_BASE_URL``,
say) would create accounts named under the wrong address: broken for federation,
and nothing would say so. So the database keeps the base URL it was set up with
(``node_settings``, name ``base_url``), and every command that opens it compares.

A database from before this was remembered adopts a base URL the first time: the
one its local actors are named under, if it has any (they are what other servers
know), otherwise the configured one. Changing it later is an explicit act
(``set_base_url``); it changes what new names are built from, never the names
already given.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast
from urllib.parse import urlsplit

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.storage.engine import upsert_into
from node.storage.models.actors import Actor
from node.storage.models.node_settings import NodeSetting

BASE_URL_SETTING = "base_url"

_SETTINGS = cast(Table, NodeSetting.__table__)


class BaseUrlMismatch(Exception):
    """The database belongs to ``remembered``; this process is configured for ``configured``."""

    def __init__(self, remembered: str, configured: str) -> None:
        super().__init__(f"the database belongs to {remembered}, not {configured}")
        self.remembered = remembered
        self.configured = configured


async def remembered_base_url(session: AsyncSession) -> str | None:
    """The base URL the database belongs to, or None if it has not been remembered yet."""
    return await session.scalar(
        select(NodeSetting.value).where(NodeSetting.name == BASE_URL_SETTING)
    )


async def check_base_url(session: AsyncSession, base_url: str, *, now: datetime) -> None:
    """Refuse (``BaseUrlMismatch``) a base URL other than the database's; remember one
    first if none is yet (its local actors', else ``base_url``)."""
    remembered = await remembered_base_url(session)
    if remembered is None:
        adopted = await _local_actors_base_url(session) or base_url
        await session.execute(
            upsert_into(_SETTINGS, session.get_bind().dialect.name)
            .values(name=BASE_URL_SETTING, value=adopted, updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        # Another process may have remembered one at the same moment: its word counts.
        remembered = await remembered_base_url(session)
    if remembered != base_url:
        raise BaseUrlMismatch(remembered or base_url, base_url)


async def set_base_url(session: AsyncSession, base_url: str, *, now: datetime) -> str | None:
    """Make ``base_url`` the database's, on purpose; the one it replaces (or None).
    New names are built from it; members, groups and posts keep the ids they have."""
    previous = await remembered_base_url(session)
    statement = upsert_into(_SETTINGS, session.get_bind().dialect.name).values(
        name=BASE_URL_SETTING, value=base_url, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )
    return previous


async def _local_actors_base_url(session: AsyncSession) -> str | None:
    """The base URL the first local actor was named under (what other servers know)."""
    uri = await session.scalar(select(Actor.uri).where(Actor.local).order_by(Actor.id).limit(1))
    if uri is None:
        return None
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc.lower()}"
