"""account deletion: a member of this node who deleted their account

``accounts.deleted_at`` marks an account its member deleted (``node.account_deletion``):
it never signs in again, its profile answers 410, and its name stays taken. The row
stays, so tombstones, reports and the moderation log still name it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (nullable, no default), as 0025 adds its column: no copy of the
    # table on SQLite.
    op.add_column("accounts", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "deleted_at")
