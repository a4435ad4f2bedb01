"""A member's archive of their own data (``node.export``): one per member, and its bytes.

The archive is kept in the database, in parts of at most a mebibyte, not in a file
under the node's data directory: every web and worker process of a node shares the
database, not always a disk, so the worker that builds an archive and the web process
that serves it need nothing else in common; the parts let both write and read it a
piece at a time; and deleting the row (a new request, or the week it is kept running
out) leaves no file behind.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime, enum_column


class ExportState(enum.StrEnum):
    REQUESTED = "requested"  # waiting for the background worker (a large account)
    READY = "ready"  # its parts are written: the member may download it
    FAILED = "failed"  # building it failed too often; the member may ask again


class DataExport(Base):
    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # In the download address: random, so the address alone is worth nothing to anyone
    # who is not the member (who must be signed in as well).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # One archive per member: asking again replaces the one there was.
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[ExportState] = mapped_column(enum_column(ExportState, "export_state"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A worker building it holds it until then; a worker that stopped half-way leaves it
    # to run out, and the next one starts it again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Ready archives are deleted after a week (requested ones too, if never built).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)


class DataExportPart(Base):
    """One piece of an archive's bytes, in order (``seq`` from 0)."""

    __tablename__ = "data_export_parts"

    export_id: Mapped[int] = mapped_column(
        ForeignKey("data_exports.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
