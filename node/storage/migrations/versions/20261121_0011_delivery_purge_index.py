"""finished deliveries indexed by age, for the worker's purge

Finished deliveries are kept a week (failed ones a month) and then deleted by
the delivery worker, a bounded batch at a time. Without an index on their age
each batch would scan the whole table; partial, so queued rows never enter it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FINISHED = sa.text("finished_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_delivery_finished",
        "deliveries",
        ["finished_at"],
        postgresql_where=_FINISHED,
        sqlite_where=_FINISHED,
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_finished", table_name="deliveries")
