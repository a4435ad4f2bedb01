"""a delivery waiting for an earlier one about its object says which (deliveries.after_id)

Until now every claim asked, for each of the oldest due rows, whether an earlier
row about the same object was still queued for the same inbox, and skipped the
rows that had to wait. Those rows stayed first in due order, so a claim re-read
them every time, and with enough of them (Creates in retry, their Updates due) a
claim read nothing else and delivery stopped. A waiting row now names the row it
waits for and leaves the due index until that row finishes.

Existing queued rows get the same links the claim used to work out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUED = sa.text("state = 'queued'")
_SENDABLE = sa.text("state = 'queued' AND after_id IS NULL")
_WAITING = sa.text("state = 'queued' AND after_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("after_id", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE deliveries SET after_id = (
            SELECT max(earlier.id) FROM deliveries AS earlier
            WHERE earlier.state = 'queued'
              AND earlier.inbox = deliveries.inbox
              AND earlier.object_uri = deliveries.object_uri
              AND earlier.id < deliveries.id
        )
        WHERE state = 'queued' AND object_uri IS NOT NULL
        """
    )
    op.drop_index("ix_delivery_due", table_name="deliveries")
    op.create_index(
        "ix_delivery_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=_SENDABLE,
        sqlite_where=_SENDABLE,
    )
    # Led by the object: a new row asks "the last queued row of this object, per inbox?"
    # for all its inboxes at once (thousands for a group's post) without listing them.
    op.drop_index("ix_delivery_next", table_name="deliveries")
    op.create_index(
        "ix_delivery_next",
        "deliveries",
        ["object_uri", "inbox", "id"],
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    )
    op.create_index(
        "ix_delivery_waiting",
        "deliveries",
        ["after_id"],
        postgresql_where=_WAITING,
        sqlite_where=_WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_waiting", table_name="deliveries")
    op.drop_index("ix_delivery_next", table_name="deliveries")
    op.create_index(
        "ix_delivery_next",
        "deliveries",
        ["inbox", "object_uri", "id"],
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    )
    op.drop_index("ix_delivery_due", table_name="deliveries")
    op.create_index(
        "ix_delivery_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=_QUEUED,
        sqlite_where=_QUEUED,
    )
    op.drop_column("deliveries", "after_id")
