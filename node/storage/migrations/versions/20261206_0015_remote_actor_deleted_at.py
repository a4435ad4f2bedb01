"""remote actors remember that they deleted themselves

An account elsewhere that deleted itself (its own ``Delete`` of itself) keeps its row,
marked ``deleted_at``: from then on the inbox refuses anything more from it, a lookup or
refetch does not bring it back, and nothing is queued for its own inbox
(federation.inbox.account_deletion).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("remote_actors") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("remote_actors") as batch:
        batch.drop_column("deleted_at")
