"""outgoing activities by object: whom a post's activities went to

``outgoing_activities.object_uri`` gets an index, so a post's page can tell its author
and its group's moderators which nodes it reached (``federation.delivery.reach``)
without scanning the delivery queue.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outgoing_object", "outgoing_activities", ["object_uri"])


def downgrade() -> None:
    op.drop_index("ix_outgoing_object", table_name="outgoing_activities")
