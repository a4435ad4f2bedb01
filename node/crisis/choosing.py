"""Which crisis resources a viewer is shown, in which order and language.

``resources_for`` is the one reader, for pages, the API and other services (a care
message names the same resources): the group's list first (a grief group's
bereavement line is nearer than a general one), then the node's. What is known of
the viewer comes from their browser's ``Accept-Language`` and their own settings,
never from their address:

- ``country``, the member's own choice, filters: a resource for another country is
  left out (one for anywhere stays). If that would leave nothing at all, everything is
  shown: in a crisis a line elsewhere beats none.
- ``languages`` (most wanted first) order each list: resources answering in the
  viewer's language first, then those that do not say, then the others; and each
  text is shown in the first of the viewer's languages it has, else its default.
- ``hinted_country`` (a browser's ``de-AT``) only orders, never filters: many browsers
  say ``en-US`` wherever their owner lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.crisis.resources import ResourceEntry, language_tag, stored_lists
from node.kinds import ContactKind
from node.storage.models.actors import Account, Actor
from node.storage.models.groups import Group


@dataclass(frozen=True)
class CrisisResource:
    """One resource as a viewer is shown it, its texts in one language."""

    name: str
    kind: ContactKind
    value: str
    href: str
    country: str
    languages: tuple[str, ...]
    hours: str
    note: str
    # Whether it is the group's own (else the node's).
    from_group: bool


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0]


def _rank(tags: Sequence[str], wanted: Sequence[str]) -> int | None:
    """The position in ``wanted`` of the first language ``tags`` has (by primary subtag)."""
    primaries = {_primary(tag) for tag in tags}
    for index, tag in enumerate(wanted):
        if _primary(tag) in primaries:
            return index
    return None


def _shown(entry: ResourceEntry, languages: Sequence[str], from_group: bool) -> CrisisResource:
    name, hours, note = entry.name, entry.hours, entry.note
    by_language = {t.language: t for t in entry.translations}
    for wanted in languages:
        match = by_language.get(wanted) or next(
            (t for tag, t in by_language.items() if _primary(tag) == _primary(wanted)), None
        )
        if match is not None:
            name, hours, note = match.name or name, match.hours or hours, match.note or note
            break
    return CrisisResource(
        name=name,
        kind=entry.kind,
        value=entry.value,
        href=entry.href,
        country=entry.country,
        languages=entry.languages,
        hours=hours,
        note=note,
        from_group=from_group,
    )


def _ordered(
    entries: list[ResourceEntry], languages: Sequence[str], hinted_country: str
) -> list[ResourceEntry]:
    def key(entry: ResourceEntry) -> tuple[int, int]:
        if not languages:
            by_language = 0
        elif not entry.languages:
            by_language = len(languages)
        else:
            rank = _rank(entry.languages, languages)
            by_language = len(languages) + 1 if rank is None else rank
        by_country = 0 if hinted_country and entry.country == hinted_country else 1
        return (by_language, by_country)

    return sorted(entries, key=key)


async def resources_for(
    session: AsyncSession,
    *,
    group_id: int | None,
    languages: Sequence[str] = (),
    country: str = "",
    hinted_country: str = "",
) -> tuple[CrisisResource, ...]:
    """What a viewer is shown (see the module note); ``group_id`` None: the node's only."""
    wanted = [language_tag(tag) for tag in languages if tag.strip()]
    country, hinted_country = country.strip().upper(), hinted_country.strip().upper()
    group_list, node_list = await stored_lists(session, group_id)
    lists = [(group_list, True)] if group_id is not None else []
    lists.append((node_list, False))
    if country:
        near = [([e for e in entries if e.country in ("", country)], own) for entries, own in lists]
        if any(entries for entries, _ in near):
            lists = near
    return tuple(
        _shown(entry, wanted, own)
        for entries, own in lists
        for entry in _ordered(entries, wanted, hinted_country or country)
    )


async def group_id_of(session: AsyncSession, group_uri: str) -> int | None:
    """The group row of a group actor (local or elsewhere), for ``resources_for``."""
    return await session.scalar(
        select(Group.id).join(Actor, Actor.id == Group.actor_id).where(Actor.uri == group_uri)
    )


async def member_country(session: AsyncSession, account_id: int) -> str:
    """The country a member asked resources for (their setting; empty: not said)."""
    return (
        await session.scalar(select(Account.crisis_country).where(Account.id == account_id)) or ""
    )
