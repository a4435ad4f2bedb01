"""Who edits which crisis resources: the node's admins the node's list, a group's
moderators their group's (only for a group hosted here; a group elsewhere keeps its
list there, and we keep what it publishes). A group's change is an event, so its
actor travels again to the nodes of its members (``Update`` of the group)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from node import events, permissions
from node.crisis.resources import ResourceEntry, cut_to_limits, replace_list, stored_list
from node.errors import PermissionDenied
from node.groups.loading import load_group
from node.site import Site
from node.storage.models.groups import Group
from node.views import Viewer


async def node_resources(session: AsyncSession) -> list[ResourceEntry]:
    """The node's list, every language (public: the start page shows it to everyone)."""
    return await stored_list(session, None)


async def set_node_resources(
    session: AsyncSession, viewer: Viewer, entries: Sequence[ResourceEntry]
) -> list[ResourceEntry]:
    """The admin replaces the node's list with ``entries``, in that order."""
    permissions.require_node_admin(viewer)
    return await replace_list(session, None, entries)


async def group_resources(
    session: AsyncSession, site: Site, viewer: Viewer | None, group_acct: str
) -> list[ResourceEntry]:
    """A group's own list, every language, for anyone who may see the group."""
    record = await load_group(session, site, viewer, group_acct)
    return await stored_list(session, record.group.id)


async def set_group_resources(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    entries: Sequence[ResourceEntry],
    *,
    now: datetime,
) -> list[ResourceEntry]:
    """A group's moderators replace its list; the group's actor is sent again."""
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node keeps its crisis resources there")
    saved = await replace_list(session, record.group.id, entries)
    await events.record(
        session,
        events.EventKind.GROUP_UPDATED,
        actor_id=record.actor.id,
        subject_id=record.group.id,
        now=now,
    )
    return saved


async def mirror_group_resources(
    session: AsyncSession, group: Group, entries: Sequence[ResourceEntry], *, local: bool
) -> None:
    """A group hosted elsewhere published its list: keep what passes our checks, in order."""
    if local:
        raise PermissionDenied("a group hosted here keeps its own crisis resources")
    await replace_list(session, group.id, cut_to_limits(entries))
