"""posts sent to a group on another node wait, seen by their author only, until it shares them

A local member's post into a group hosted elsewhere was shown to everyone here at
once, even while that group held it for a moderator, and after the group turned it
down. ``pending_at`` marks it as not yet shared by its group (node.pending_posts).
Posts already stored were shared long ago, or are beyond knowing: they stay as they are.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("pending_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("pending_at")
