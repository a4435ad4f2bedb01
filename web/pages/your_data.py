"""A member's own data on the pages (``/settings/data``): ask for an archive, see how it
stands, download it. A large account's archive is prepared in the background; the page
then looks again by itself every few seconds (a ``Refresh`` header: no script), unless
the member turns that off (a page that reloads under a screen reader's reading is a
page that cannot be read: WCAG 2.2.1), and then it offers to check again.

The download's address holds the archive's random token, and answers only to the signed-in
member whose archive it is: anyone else, staff included, finds nothing there.
"""

from __future__ import annotations

from aiohttp import web

from node.errors import NotFound
from node.export import jobs
from node.storage.models.data_exports import ExportState
from web.downloads import archive_response
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.render import frame, redirect, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

PATH = "/settings/data"
REFRESH_SECONDS = 10


async def data_page(request: web.Request) -> web.Response:
    """GET /settings/data"""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        try:
            status: jobs.ExportStatus | None = await jobs.export_status(
                session, viewer, now=request.app[CLOCK]()
            )
        except NotFound:
            status = None
    preparing = status is not None and status.state is ExportState.REQUESTED
    updating = preparing and request.query.get("updates") != "off"
    context = {
        "export": status,
        "preparing": preparing,
        "updating": updating,
        "ready": status is not None and status.state is ExportState.READY,
        "failed": status is not None and status.state is ExportState.FAILED,
        "size_kb": 0 if status is None else max(1, round(status.size / 1024)),
    }
    response = render(request, page, "your_data.html", context)
    if updating:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


async def request_export(request: web.Request) -> web.Response:
    """POST /settings/data/export: a new archive, replacing the one there was."""
    await read_form(request, ())
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        await jobs.request_export(session, request.app[SITE], viewer, now=request.app[CLOCK]())
    return redirect(PATH)


async def download(request: web.Request) -> web.Response:
    """GET /settings/data/archive/{token}: the member's archive, as a file."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        ref = await jobs.open_archive(
            session, viewer, now=request.app[CLOCK](), token=request.match_info["token"]
        )
    return archive_response(request, ref)
