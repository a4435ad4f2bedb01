"""A member's archive as an answer (``node.export``), for the API and the pages alike.

The body streams from the database a part at a time; the answer is never stored (by
the browser, a proxy or a shared computer's cache) and always saved as a file, never
shown in the browser.
"""

from __future__ import annotations

from aiohttp import web

from node.export.jobs import ArchiveRef, archive_parts
from web.keys import SESSIONS


def archive_response(request: web.Request, ref: ArchiveRef) -> web.Response:
    return web.Response(
        body=archive_parts(request.app[SESSIONS], ref),
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{ref.filename}"',
            "Content-Length": str(ref.size),
            "Cache-Control": "no-store",
        },
    )
