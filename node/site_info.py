"""What the node says about itself on its start page: a description.

Plain text the admin writes (never markup), kept as a node setting
(``node_settings``, beside the federation mode) so a running node shows a change
at once. The node's crisis resources have their own list (``node.crisis``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.handles import check_length
from node.storage.engine import upsert_into
from node.storage.models.node_settings import NodeSetting
from node.views import Viewer

DESCRIPTION_SETTING = "site_description"
DESCRIPTION_MAX = 2000

_SETTINGS = cast(Table, NodeSetting.__table__)


@dataclass(frozen=True)
class SiteInfo:
    description: str


async def get_site_info(session: AsyncSession) -> SiteInfo:
    """Public: shown to every visitor of the start page."""
    value = await session.scalar(
        select(NodeSetting.value).where(NodeSetting.name == DESCRIPTION_SETTING)
    )
    return SiteInfo(description=value or "")


def _clean(text: str) -> str:
    """Plain text with tidy line ends: no trailing spaces, no runs of blank lines at the ends."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


async def set_site_info(
    session: AsyncSession, viewer: Viewer, *, description: str, now: datetime
) -> SiteInfo:
    """The admin sets what the start page says about the node."""
    permissions.require_node_admin(viewer)
    description = check_length(_clean(description), DESCRIPTION_MAX, "description")
    statement = upsert_into(_SETTINGS, session.get_bind().dialect.name).values(
        name=DESCRIPTION_SETTING, value=description, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )
    return SiteInfo(description=description)
