"""Reading a member's archive back, for the export tests of node and web."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.export import jobs
from node.views import Viewer


def archive_files(data: bytes) -> tuple[dict[str, Any], str]:
    """The archive's JSON, parsed, and its page."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["index.html", "kinfolk-export.json"]
        exported = json.loads(archive.read("kinfolk-export.json"))
        page = archive.read("index.html").decode()
    return exported, page


async def download(
    sessions: async_sessionmaker[AsyncSession], viewer: Viewer, now: Any, token: str | None = None
) -> bytes:
    async with sessions.begin() as session:
        ref = await jobs.open_archive(session, viewer, now=now, token=token)
    return b"".join([part async for part in jobs.archive_parts(sessions, ref)])
