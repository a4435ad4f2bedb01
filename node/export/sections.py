"""What a member's archive holds besides their writing: their profile, and their settings,
one section each.

``SETTINGS_SECTIONS`` is the list the archive reads: a feature with per-account settings
of its own (notifications, check-ins) adds its reader there in one line. A reader gets
the member and returns plain JSON values (strings, numbers, booleans, lists, dicts);
the archive's readable page shows each as a small table, so a new section needs no
page of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.mail.addresses import get_email
from node.notifications.quiet import quiet_hours_of
from node.storage.models.actors import Account, Actor
from node.storage.models.boundaries import ActorBlock, Mute, NodeBlock
from node.topics.filters import choices_of
from node.views import Viewer

Json = dict[str, Any]


@dataclass(frozen=True)
class SettingsSection:
    name: str
    read: Callable[[AsyncSession, Viewer], Awaitable[Json]]


def iso(value: Any) -> str | None:
    """A timestamp as ISO 8601 in UTC, None as None."""
    return None if value is None else str(value.isoformat())


async def profile(session: AsyncSession, owner: Viewer) -> Json:
    account = await session.get_one(Account, owner.account_id)
    actor = await session.get_one(Actor, owner.actor_id)
    return {
        "handle": f"{actor.handle}@{actor.domain}",
        "address": actor.uri,
        "display_name": actor.display_name,
        "bio": actor.summary,
        "locale": account.locale,
        "crisis_country": account.crisis_country,
        "created_at": iso(account.created_at),
    }


async def _accts(session: AsyncSession, owner_id: int, model: type[Mute | ActorBlock]) -> list[str]:
    rows = await session.execute(
        select(Actor.handle, Actor.domain)
        .join(model, model.actor_id == Actor.id)
        .where(model.owner_id == owner_id)
        .order_by(model.id)
    )
    return [f"{handle}@{domain}" for handle, domain in rows]


async def boundaries(session: AsyncSession, owner: Viewer) -> Json:
    account = await session.get_one(Account, owner.account_id)
    nodes = await session.scalars(
        select(NodeBlock.domain).where(NodeBlock.owner_id == owner.actor_id).order_by(NodeBlock.id)
    )
    return {
        "contact_policy": account.contact_policy.value,
        "muted": await _accts(session, owner.actor_id, Mute),
        "blocked": await _accts(session, owner.actor_id, ActorBlock),
        "blocked_nodes": list(nodes),
    }


async def topic_filters(session: AsyncSession, owner: Viewer) -> Json:
    # Every topic, the defaults included: the archive says what the member sees.
    choices = await choices_of(session, owner)
    return {topic.value: choice.value for topic, choice in choices.items()}


async def notifications(session: AsyncSession, owner: Viewer) -> Json:
    hours = await quiet_hours_of(session, owner.account_id)
    return {
        "time_zone": hours.time_zone,
        "quiet_start": hours.start.strftime("%H:%M") if hours.start else None,
        "quiet_end": hours.end.strftime("%H:%M") if hours.end else None,
    }


async def email(session: AsyncSession, owner: Viewer) -> Json:
    # The member's own address: in their archive, and nowhere else.
    own = await get_email(session, owner)
    if own is None:
        return {"address": None}
    return {"address": own.address, "verified": own.verified, "digest": own.digest.value}


SETTINGS_SECTIONS: list[SettingsSection] = [
    SettingsSection("boundaries", boundaries),
    SettingsSection("topic_filters", topic_filters),
    SettingsSection("notifications", notifications),
    SettingsSection("email", email),
]


async def settings(session: AsyncSession, owner: Viewer) -> Json:
    return {section.name: await section.read(session, owner) for section in SETTINGS_SECTIONS}
