"""Noticing a draft that sounds like a crisis, so the resources can be offered gently.

When a post or reply is submitted, its words are compared with short phrase lists
(English, German and French shipped here; the node's admins may replace any
language's list with their own, or add one for another language). A match never
blocks and never reports: the member is shown the resources beside their words and
posts them, as written, whenever they choose. The text is compared in memory and
forgotten: nothing here logs it, stores it, or sends it anywhere, and neither does
the caller (only whether it matched, a yes or no, is told).

Phrases are matched on whole words, case- and accent-insensitively, with any
apostrophe counted as ``'``; a list is short on purpose (a false alarm costs a
moment, a kind sentence; a phrase list is no diagnosis).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.crisis.resources import language_tag
from node.errors import InvalidInput
from node.storage.engine import upsert_into
from node.storage.models.node_settings import NodeSetting
from node.views import Viewer

SHIPPED: dict[str, tuple[str, ...]] = {
    "en": (
        "kill myself",
        "killing myself",
        "end my life",
        "end it all",
        "want to die",
        "wanna die",
        "suicide",
        "suicidal",
        "take my own life",
        "can't go on",
        "cannot go on",
        "no reason to live",
        "better off without me",
        "better off dead",
        "hurt myself",
        "harm myself",
        "self harm",
        "self-harm",
        "don't want to be here anymore",
        "don't want to live",
    ),
    "de": (
        "mich umbringen",
        "mir das leben nehmen",
        "nicht mehr leben",
        "will sterben",
        "sterben will",
        "suizid",
        "suizidal",
        "selbstmord",
        "kann nicht mehr",
        "alles beenden",
        "mich verletzen",
        "mich ritzen",
        "keinen sinn mehr",
        "ohne mich besser dran",
    ),
    "fr": (
        "me suicider",
        "me tuer",
        "suicide",
        "suicidaire",
        "envie de mourir",
        "veux mourir",
        "en finir",
        "je n'en peux plus",
        "plus envie de vivre",
        "mettre fin à mes jours",
        "me faire du mal",
        "me scarifier",
        "mieux sans moi",
    ),
}
SETTING_PREFIX = "crisis_phrases_"
PHRASES_MAX = 200
PHRASE_MAX = 100
LANGUAGES_MAX = 20

_SETTINGS = cast(Table, NodeSetting.__table__)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def _folded(text: str) -> str:
    """Lower case, without accents, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def _pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    folded = sorted({_folded(p) for p in phrases if p.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def looks_like_crisis(text: str, lists: Mapping[str, Sequence[str]]) -> bool:
    """Whether ``text`` holds any phrase of any list (a member may write in any language)."""
    pattern = _pattern(phrase for phrases in lists.values() for phrase in phrases)
    return pattern is not None and pattern.search(_folded(text)) is not None


async def phrase_lists(session: AsyncSession) -> dict[str, tuple[str, ...]]:
    """Each language's list: the admins' where they wrote one, else the shipped one."""
    lists = dict(SHIPPED)
    rows = await session.execute(
        select(NodeSetting.name, NodeSetting.value).where(
            NodeSetting.name.like(f"{SETTING_PREFIX}%")
        )
    )
    for name, value in rows:
        lists[name.removeprefix(SETTING_PREFIX)] = tuple(value.splitlines())
    return lists


async def draft_looks_like_crisis(session: AsyncSession, *texts: str) -> bool:
    """Whether a draft (its title, its text) sounds like a crisis. Only the answer leaves."""
    return looks_like_crisis("\n".join(texts), await phrase_lists(session))


def _checked(language: str, phrases: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    tag = language_tag(language)
    if not re.match(r"^[a-z]{2,3}$", tag):
        raise InvalidInput("a language code such as en, de or fr", field="language")
    kept = tuple(dict.fromkeys(" ".join(p.split()) for p in phrases if p.strip()))
    if len(kept) > PHRASES_MAX or any(len(p) > PHRASE_MAX for p in kept):
        raise InvalidInput(
            f"at most {PHRASES_MAX} phrases of at most {PHRASE_MAX} characters", field="phrases"
        )
    return tag, kept


async def set_phrases(
    session: AsyncSession,
    viewer: Viewer,
    language: str,
    phrases: Sequence[str] | None,
    *,
    now: datetime,
) -> tuple[str, ...]:
    """The admin replaces one language's list (``None``: back to the shipped one, or none
    for a language not shipped). An empty list turns the check off for that language."""
    permissions.require_node_admin(viewer)
    tag, kept = _checked(language, phrases or ())
    name = SETTING_PREFIX + tag
    if phrases is None:
        await session.execute(delete(NodeSetting).where(NodeSetting.name == name))
        return SHIPPED.get(tag, ())
    current = await phrase_lists(session)
    if tag not in current and len(current) >= LANGUAGES_MAX:
        raise InvalidInput(f"at most {LANGUAGES_MAX} languages", field="language")
    statement = upsert_into(_SETTINGS, session.get_bind().dialect.name).values(
        name=name, value="\n".join(kept), updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    )
    return kept
