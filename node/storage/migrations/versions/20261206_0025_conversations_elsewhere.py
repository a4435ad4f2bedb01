"""conversations across nodes: whether a remote actor's server holds them

A remote actor notes whether its server said it holds conversations by consent
(FEP-844e ``implements``, ``https://w3id.org/kinfolk/ns#conversations``): only such a
server is sent the ``Accept``, ``Reject`` and ``Leave`` of a conversation; any other
(Mastodon) gets its direct Notes alone.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with its default kept, as 0019 adds ``reads_care_reports``: no
    # copy of the table on SQLite.
    op.add_column(
        "remote_actors",
        sa.Column(
            "holds_conversations", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )


def downgrade() -> None:
    op.drop_column("remote_actors", "holds_conversations")
