"""Readers' choices per support topic, and what they make of the posts they read.

Each member chooses per topic: show, collapse behind a warning (the default, and
what visitors who are not signed in get), or hide. Every service that lists or shows
posts to a reader passes its views through ``apply``: a post gets the strictest of
the reader's choices for its topics; a hidden one keeps its place (so a page can
say how many it hid, and its reader can open one on purpose) but not its words.
A member's own posts are never hidden from them. Federation never filters: what
other nodes fetch is whole, and each reader there chooses for themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.storage.models.topic_filters import TopicFilter
from node.topics import DEFAULT_CHOICE, Topic, TopicChoice, strictest
from node.views import PostView, Viewer


async def choices_of(session: AsyncSession, viewer: Viewer | None) -> dict[Topic, TopicChoice]:
    """Every topic's choice for ``viewer`` (the defaults for a visitor)."""
    choices = dict.fromkeys(Topic, DEFAULT_CHOICE)
    if viewer is None:
        return choices
    rows = await session.execute(
        select(TopicFilter.topic, TopicFilter.choice).where(
            TopicFilter.account_id == viewer.account_id
        )
    )
    for topic, choice in rows:
        if topic in Topic.__members__.values() and choice in TopicChoice.__members__.values():
            choices[Topic(topic)] = TopicChoice(choice)
    return choices


async def set_choices(
    session: AsyncSession, viewer: Viewer, given: Mapping[str, str]
) -> dict[Topic, TopicChoice]:
    """Change the choices named in ``given`` (topic → show/collapse/hide); the others stay."""
    parsed: dict[Topic, TopicChoice] = {}
    for topic, choice in given.items():
        try:
            parsed[Topic(topic)] = TopicChoice(choice)
        except ValueError:
            raise InvalidInput(
                f"choose show, collapse or hide for a known topic ({topic[:40]!r}: "
                f"{choice[:20]!r})",
                field="filters",
            ) from None
    if parsed:
        await session.execute(
            delete(TopicFilter).where(
                TopicFilter.account_id == viewer.account_id,
                TopicFilter.topic.in_([topic.value for topic in parsed]),
            )
        )
    for topic, choice in parsed.items():
        if choice is not DEFAULT_CHOICE:
            session.add(TopicFilter(account_id=viewer.account_id, topic=topic, choice=choice))
    await session.flush()
    return await choices_of(session, viewer)


async def apply(
    session: AsyncSession,
    viewer: Viewer | None,
    views: Sequence[PostView],
    *,
    reveal: bool = False,
) -> list[PostView]:
    """``views`` as ``viewer`` chose to see them; ``reveal``: they opened hidden ones on
    purpose (they stay behind their warning)."""
    if not any(view.topics for view in views):
        return list(views)
    choices = await choices_of(session, viewer)
    return [_filtered(view, viewer, choices, reveal) for view in views]


def _filtered(
    view: PostView, viewer: Viewer | None, choices: dict[Topic, TopicChoice], reveal: bool
) -> PostView:
    choice = strictest(view.topics, choices)
    own = viewer is not None and view.source is not None  # only its author gets its source
    if choice is TopicChoice.HIDE and (reveal or own):
        choice = TopicChoice.COLLAPSE
    if choice is not TopicChoice.HIDE:
        return replace(view, filtered=choice)
    return replace(view, filtered=choice, title=None, content_html="", source=None)
