"""A member's own data, to take with them (``node.export``): ask for an archive, see how
it stands, download it. Only the member ever finds theirs: anyone else is answered 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node.export import jobs
from node.export.jobs import ArchiveRef, ExportStatus
from node.storage.models.data_exports import ExportState
from web.api.operation import Auth, Call, Operation
from web.downloads import archive_response

EXPORT = "/api/v1/account/export"
ARCHIVE = f"{EXPORT}/archive"


class ExportOut(BaseModel):
    state: ExportState = Field(
        description="requested: being prepared (large accounts take a few minutes); "
        "ready: download it from `archive`; failed: it could not be made, ask again"
    )
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime = Field(description="When the archive is deleted (a week after)")
    size: int = Field(description="The archive's size in bytes (0 until it is ready)")
    archive: str | None = Field(description="Where to download it, once ready")


class ArchiveOut(BaseModel):
    """What the archive operation hands to its answer (never sent as JSON)."""

    export_id: int
    size: int
    filename: str


def _out(status: ExportStatus) -> ExportOut:
    return ExportOut(
        state=status.state,
        requested_at=status.requested_at,
        ready_at=status.ready_at,
        expires_at=status.expires_at,
        size=status.size,
        archive=ARCHIVE if status.state is ExportState.READY else None,
    )


async def request_export(call: Call[Any, Any]) -> ExportOut:
    return _out(await jobs.request_export(call.session, call.site, call.member, now=call.now))


async def get_export(call: Call[Any, Any]) -> ExportOut:
    return _out(await jobs.export_status(call.session, call.member, now=call.now))


async def download_export(call: Call[Any, Any]) -> ArchiveOut:
    ref = await jobs.open_archive(call.session, call.member, now=call.now)
    return ArchiveOut(export_id=ref.export_id, size=ref.size, filename=ref.filename)


T = "your data"
OPERATIONS = (
    Operation(
        "POST",
        EXPORT,
        request_export,
        "Ask for an archive of your data (replaces the one you had); ready at once for most "
        "accounts, else being prepared",
        T,
        auth=Auth.REQUIRED,
        response=ExportOut,
        status=202,
        errors=(401,),
    ),
    Operation(
        "GET",
        EXPORT,
        get_export,
        "How your archive stands",
        T,
        auth=Auth.REQUIRED,
        response=ExportOut,
        errors=(401, 404),
    ),
    Operation(
        "GET",
        ARCHIVE,
        download_export,
        "Download your archive: a ZIP with kinfolk-export.json and index.html",
        T,
        auth=Auth.REQUIRED,
        response=ArchiveOut,
        errors=(401, 404),
        respond=lambda request, out: archive_response(
            request, ArchiveRef(out.export_id, out.size, out.filename)
        ),
        media_type="application/zip",
    ),
)
