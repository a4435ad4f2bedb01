"""Writing a member's archive: one ZIP with ``kinfolk-export.json`` and ``index.html``.

The JSON's shape (``FORMAT``, ``VERSION`` 1; the README describes it)::

    {"format": "kinfolk-export", "version": 1, "node": <base URL>, "created_at": <ISO>,
     "not_included": [<sentences>], "profile": {...}, "settings": {<section>: {...}},
     "posts": [...], "conversations": [...], "messages": [...], "reports": [...],
     "memberships": [...], "follows": [...], "meetings": [...],
     "check_ins": [...]}

Both files are written as the rows come, a batch at a time (``node.export.records``):
the JSON first, then the page, each list read again for the page rather than held.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession

from node.export import html, records, sections
from node.export.sections import Json
from node.site import Site
from node.views import Viewer

FORMAT = "kinfolk-export"
VERSION = 1
JSON_NAME = "kinfolk-export.json"
HTML_NAME = "index.html"

NOT_INCLUDED = [
    "Messages from the people you talked with: they are their words, not yours.",
    "Other members' posts, even in threads you wrote in.",
    "Reports others made, and what moderators wrote about reports or members.",
    "Posts you deleted: their text is gone.",
    "Anyone's email address or password.",
]

Reader = Callable[[AsyncSession, int], AsyncIterator[Json]]
LISTS: tuple[tuple[str, Reader], ...] = (
    ("posts", records.posts),
    ("conversations", records.conversations),
    ("messages", records.messages),
    ("reports", records.reports),
    ("memberships", records.memberships),
    ("follows", records.follows),
    ("meetings", records.meetings),
    ("check_ins", records.check_ins),
)

# Called now and then while writing: the list being written and its rows so far.
Progress = Callable[[str, int], None]


async def _head(session: AsyncSession, site: Site, owner: Viewer, now: datetime) -> Json:
    return {
        "format": FORMAT,
        "version": VERSION,
        "node": site.base_url,
        "created_at": sections.iso(now),
        "not_included": NOT_INCLUDED,
        "profile": await sections.profile(session, owner),
        "settings": await sections.settings(session, owner),
    }


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _write_json(
    session: AsyncSession, head: Json, owner: Viewer, out: IO[str], progress: Progress | None
) -> None:
    out.write(_dumps(head)[:-1])  # the head's closing brace comes after the lists
    for name, read in LISTS:
        out.write(f",\n{_dumps(name)}: [")
        count = 0
        async for item in read(session, owner.actor_id):
            out.write(("," if count else "") + "\n" + _dumps(item))
            count += 1
            if progress is not None and count % records.BATCH == 0:
                progress(name, count)
        out.write("\n]")
        if progress is not None:
            progress(name, count)
    out.write("\n}\n")


async def _write_html(session: AsyncSession, head: Json, owner: Viewer, out: IO[str]) -> None:
    out.write(html.start(head))
    for name, read in LISTS:
        out.write(html.section_start(name))
        count = 0
        async for item in read(session, owner.actor_id):
            out.write(html.item(name, item))
            count += 1
        out.write(html.section_end(count))
    out.write(html.END)


async def write_archive(
    session: AsyncSession,
    site: Site,
    owner: Viewer,
    out: IO[bytes],
    *,
    now: datetime,
    progress: Progress | None = None,
) -> None:
    """Write ``owner``'s archive to ``out`` (a seekable binary file)."""
    head = await _head(session, site, owner, now)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with io.TextIOWrapper(archive.open(JSON_NAME, "w", force_zip64=True), "utf-8") as text:
            await _write_json(session, head, owner, text, progress)
        with io.TextIOWrapper(archive.open(HTML_NAME, "w", force_zip64=True), "utf-8") as text:
            await _write_html(session, head, owner, text)
