"""processed inbox items indexed by age, for the inbox worker's retention purge

Processed inbox items are kept a week (failed ones a month), then deleted by the
inbox worker a bounded batch at a time (federation.inbox.retention). Partial, so
items still queued never enter it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROCESSED = sa.text("processed_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_inbox_processed",
        "inbox_items",
        ["processed_at"],
        postgresql_where=_PROCESSED,
        sqlite_where=_PROCESSED,
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_processed", table_name="inbox_items")
