"""Asking for an archive, building it, and handing it to its member alone.

One archive per member (``data_exports``): asking again replaces the one there was. A
small account's archive is built at once, in the request; a larger one
(``SMALL_ACCOUNT_ROWS``) waits for the background worker, which claims it under a lease
(``LEASE``): a worker that stops half-way leaves the lease to run out, and the next pass
starts the archive again (``MAX_ATTEMPTS`` in all). The archive is first written to a
temporary file, then stored in parts of ``PART_BYTES``; it is kept for ``KEPT_FOR``,
then purged. Only the member finds it: any other account, staff included, is told there
is nothing (``NotFound``).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from sqlalchemy import ColumnElement, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import NotFound
from node.export.archive import Progress, write_archive
from node.export.records import row_count
from node.site import Site
from node.storage.models.actors import Account
from node.storage.models.data_exports import DataExport, DataExportPart, ExportState
from node.views import Viewer

log = logging.getLogger("kinfolk.export")

SMALL_ACCOUNT_ROWS = 2_000  # posts, messages and reports: fewer are built in the request
PART_BYTES = 1 << 20
MAX_ARCHIVE_BYTES = 512 << 20  # text only: far above what years of writing come to
KEPT_FOR = timedelta(days=7)
LEASE = timedelta(minutes=15)
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ExportStatus:
    state: ExportState
    token: str
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime
    size: int


@dataclass(frozen=True)
class ArchiveRef:
    """A ready archive its member may download."""

    export_id: int
    size: int
    filename: str


def _status(row: DataExport) -> ExportStatus:
    return ExportStatus(
        state=row.state,
        token=row.token,
        requested_at=row.requested_at,
        ready_at=row.ready_at,
        expires_at=row.expires_at,
        size=row.size,
    )


async def _current(session: AsyncSession, account_id: int, now: datetime) -> DataExport | None:
    return await session.scalar(
        select(DataExport).where(DataExport.account_id == account_id, DataExport.expires_at > now)
    )


async def _drop(session: AsyncSession, where: ColumnElement[bool]) -> None:
    ids = select(DataExport.id).where(where)
    await session.execute(delete(DataExportPart).where(DataExportPart.export_id.in_(ids)))
    await session.execute(delete(DataExport).where(where))


async def _store(
    session: AsyncSession, row: DataExport, archive: IO[bytes], size: int, now: datetime
) -> None:
    """The written archive, in parts, and the row marked ready (or failed: too large)."""
    row.lease_until = None
    if size > MAX_ARCHIVE_BYTES:
        log.warning("an archive of %d bytes is over the limit; not kept", size)
        row.state = ExportState.FAILED
        return
    archive.seek(0)
    seq = 0
    while chunk := archive.read(PART_BYTES):
        # A plain insert: no ORM object keeps the part in the session's memory.
        await session.execute(insert(DataExportPart).values(export_id=row.id, seq=seq, data=chunk))
        seq += 1
    row.state, row.size, row.ready_at = ExportState.READY, size, now
    row.expires_at = now + KEPT_FOR


async def delete_archive_of(session: AsyncSession, account_id: int) -> None:
    """The member's archive goes, if they have one: replaced by a new one, or their
    account deleted (it holds their words, which deletion wipes)."""
    await _drop(session, DataExport.account_id == account_id)


async def request_export(
    session: AsyncSession, site: Site, viewer: Viewer, *, now: datetime
) -> ExportStatus:
    """The member asks for their archive: built now for a small account, else queued."""
    await delete_archive_of(session, viewer.account_id)
    row = DataExport(
        token=secrets.token_urlsafe(32),
        account_id=viewer.account_id,
        state=ExportState.REQUESTED,
        requested_at=now,
        attempts=0,
        expires_at=now + KEPT_FOR,
        size=0,
    )
    session.add(row)
    await session.flush()
    if await row_count(session, viewer.actor_id) < SMALL_ACCOUNT_ROWS:
        with tempfile.SpooledTemporaryFile(max_size=8 * PART_BYTES) as archive:
            await write_archive(session, site, viewer, archive, now=now)
            await _store(session, row, archive, archive.tell(), now)
    return _status(await session.get_one(DataExport, row.id))


async def export_status(session: AsyncSession, viewer: Viewer, *, now: datetime) -> ExportStatus:
    """The member's archive as it stands (``NotFound``: none, or gone after its week)."""
    row = await _current(session, viewer.account_id, now)
    if row is None:
        raise NotFound("you have no archive; ask for one")
    return _status(row)


async def open_archive(
    session: AsyncSession, viewer: Viewer, *, now: datetime, token: str | None = None
) -> ArchiveRef:
    """The member's ready archive (the one at ``token``, when given). Anyone else, and an
    archive not ready or gone, is told there is nothing."""
    row = await _current(session, viewer.account_id, now)
    if (
        row is None
        or row.state is not ExportState.READY
        or (token is not None and not secrets.compare_digest(row.token.encode(), token.encode()))
    ):
        raise NotFound("there is no archive of yours here")
    return ArchiveRef(row.id, row.size, f"kinfolk-export-{row.requested_at:%Y-%m-%d}.zip")


async def archive_parts(
    sessions: async_sessionmaker[AsyncSession], ref: ArchiveRef
) -> AsyncIterator[bytes]:
    """The archive's bytes, one part per query (a download never holds it all)."""
    seq = 0
    while True:
        async with sessions() as session:
            data = await session.scalar(
                select(DataExportPart.data).where(
                    DataExportPart.export_id == ref.export_id, DataExportPart.seq == seq
                )
            )
        if data is None:
            return
        yield data
        seq += 1


async def purge_expired(session: AsyncSession, *, now: datetime) -> None:
    """Archives past their week go, with their parts."""
    await _drop(session, DataExport.expires_at <= now)


async def _claim(session: AsyncSession, now: datetime) -> DataExport | None:
    row = await session.scalar(
        select(DataExport)
        .where(
            DataExport.state == ExportState.REQUESTED,
            or_(DataExport.lease_until.is_(None), DataExport.lease_until < now),
        )
        .order_by(DataExport.requested_at, DataExport.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is not None:
        row.lease_until, row.attempts = now + LEASE, row.attempts + 1
    return row


async def _owner(session: AsyncSession, account_id: int) -> Viewer:
    account = await session.get_one(Account, account_id)
    return Viewer(account_id=account.id, actor_id=account.actor_id, role=account.role)


async def build_next(
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> int:
    """Purge archives past their week, then build one waiting archive; 1 if there was one."""
    async with sessions.begin() as session:
        await purge_expired(session, now=now)
        row = await _claim(session, now)
        if row is None:
            return 0
        export_id, account_id, lease = row.id, row.account_id, row.lease_until
    try:
        with tempfile.TemporaryFile() as archive:
            async with sessions() as session:
                owner = await _owner(session, account_id)
                await write_archive(session, site, owner, archive, now=now, progress=progress)
            async with sessions.begin() as session:
                row = await session.get(DataExport, export_id, with_for_update=True)
                # Asked for again meanwhile (a new row), or claimed again: not ours.
                if row is not None and row.lease_until == lease:
                    await _store(session, row, archive, archive.tell(), now)
    except Exception:
        log.exception("building an archive failed; trying again shortly")
        async with sessions.begin() as session:
            row = await session.get(DataExport, export_id)
            if row is not None and row.lease_until == lease:
                if row.attempts >= MAX_ATTEMPTS:
                    row.state, row.lease_until = ExportState.FAILED, None
                else:
                    row.lease_until = now + RETRY_AFTER
    return 1
