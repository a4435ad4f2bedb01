"""reactions remember the Like activity that carried them across nodes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reactions") as batch:
        batch.add_column(sa.Column("activity_uri", sa.String(length=2048), nullable=True))
        batch.create_index(batch.f("ix_reactions_activity_uri"), ["activity_uri"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reactions") as batch:
        batch.drop_index(batch.f("ix_reactions_activity_uri"))
        batch.drop_column("activity_uri")
