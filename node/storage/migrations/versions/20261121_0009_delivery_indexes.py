"""the delivery queue's indexes become partial (queued rows only)

The claim scans queued rows in due order and asks, for each candidate, whether
it is the first queued row of its (inbox, object). With the state as the first
column of the due index, PostgreSQL sometimes answered that question through it
on a freshly filled queue, scanning every queued row per candidate (60 ms a
claim instead of 2). ``(next_attempt_at) WHERE state = 'queued'`` and
``(inbox, object_uri, id) WHERE state = 'queued'`` leave it one obvious probe,
and neither index holds the finished rows kept for a week.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUED = sa.text("state = 'queued'")


def upgrade() -> None:
    op.drop_index("ix_delivery_due", table_name="deliveries")
    op.drop_index("ix_delivery_order", table_name="deliveries")
    op.create_index(
        "ix_delivery_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    )
    op.create_index(
        "ix_delivery_next",
        "deliveries",
        ["inbox", "object_uri", "id"],
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_next", table_name="deliveries")
    op.drop_index("ix_delivery_due", table_name="deliveries")
    op.create_index("ix_delivery_order", "deliveries", ["inbox", "object_uri", "state"])
    op.create_index("ix_delivery_due", "deliveries", ["state", "next_attempt_at"])
