"""The resources a kind message offers a member: the group's, then the node's.

One function, so that when groups and nodes keep richer crisis resources (per language
and country) only this changes. Today the node's crisis lines (``node.site_info``) are
all there is; a group has none of its own yet.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from node.site_info import CrisisLine, get_site_info
from node.views import Viewer


async def resources_for_member(
    session: AsyncSession, *, group_id: int | None, viewer: Viewer
) -> list[CrisisLine]:
    """The resources for ``viewer`` about group ``group_id`` (None: the node's alone),
    the group's first."""
    del group_id, viewer  # neither narrows the node's lines yet (see the module note)
    return (await get_site_info(session)).crisis_lines
