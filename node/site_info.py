"""What the node says about itself on its start page: a description, and crisis resources.

Both are plain text the admin writes (never markup), kept as node settings
(``node_settings``, beside the federation mode) so a running node shows a change
at once. Crisis resources are one per line, "name — phone or address"; each line
is shown as written, with its phone number or web address made into a link.
"""

from __future__ import annotations

import re
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
CRISIS_SETTING = "site_crisis_resources"
DESCRIPTION_MAX = 2000
CRISIS_MAX = 2000

_SETTINGS = cast(Table, NodeSetting.__table__)
# "name — contact": an em or en dash, or a plain hyphen, with spaces around it.
_SEPARATOR = re.compile(r"\s+[\u2014\u2013-]\s+")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{1,30}$")


@dataclass(frozen=True)
class CrisisLine:
    """One crisis resource: who, how to reach them, and a link if that is a number or URL."""

    name: str
    contact: str
    href: str | None


@dataclass(frozen=True)
class SiteInfo:
    description: str
    crisis_resources: str

    @property
    def crisis_lines(self) -> list[CrisisLine]:
        return crisis_lines(self.crisis_resources)


def crisis_lines(text: str) -> list[CrisisLine]:
    """The crisis resources, a line each (blank lines left out)."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        parts = _SEPARATOR.split(line, maxsplit=1)
        name, contact = (parts[0], parts[1]) if len(parts) == 2 else ("", line)
        lines.append(CrisisLine(name=name, contact=contact, href=_link(contact)))
    return lines


def _link(contact: str) -> str | None:
    contact = contact.strip()
    if re.match(r"^https?://[^\s<>\"']+$", contact):
        return contact
    if _PHONE.match(contact):
        return "tel:" + re.sub(r"[^0-9+]", "", contact)
    return None


async def get_site_info(session: AsyncSession) -> SiteInfo:
    """Public: shown to every visitor of the start page."""
    rows = await session.execute(
        select(NodeSetting.name, NodeSetting.value).where(
            NodeSetting.name.in_([DESCRIPTION_SETTING, CRISIS_SETTING])
        )
    )
    values: dict[str, str] = {name: value for name, value in rows}
    return SiteInfo(
        description=values.get(DESCRIPTION_SETTING, ""),
        crisis_resources=values.get(CRISIS_SETTING, ""),
    )


def _clean(text: str) -> str:
    """Plain text with tidy line ends: no trailing spaces, no runs of blank lines at the ends."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


async def set_site_info(
    session: AsyncSession,
    viewer: Viewer,
    *,
    description: str,
    crisis_resources: str,
    now: datetime,
) -> SiteInfo:
    """The admin sets what the start page says about the node and where to find help."""
    permissions.require_node_admin(viewer)
    description = check_length(_clean(description), DESCRIPTION_MAX, "description")
    crisis_resources = check_length(_clean(crisis_resources), CRISIS_MAX, "crisis_resources")
    for name, value in ((DESCRIPTION_SETTING, description), (CRISIS_SETTING, crisis_resources)):
        statement = upsert_into(_SETTINGS, session.get_bind().dialect.name).values(
            name=name, value=value, updated_at=now
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"],
                set_={
                    "value": statement.excluded.value,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )
    return SiteInfo(description=description, crisis_resources=crisis_resources)
