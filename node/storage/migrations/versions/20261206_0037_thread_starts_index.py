"""thread starts index: a group's thread starts, newest first, read in index order

A group's page lists its newest thread starts (``in_reply_to_id IS NULL``).
PostgreSQL does not take ``IS NULL`` as fixing a column for ordering, so with
``ix_post_group_threads`` it read every thread start of the group and sorted them
(7 ms a page for 800 threads, growing with the group); this partial index is read
newest first and stops after a page.

Revision ID: 0037
Revises: 0035
Create Date: 2026-12-06 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STARTS = sa.text("in_reply_to_id IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_post_group_thread_starts",
        "posts",
        ["group_id", "published_at", "id"],
        sqlite_where=_STARTS,
        postgresql_where=_STARTS,
    )


def downgrade() -> None:
    op.drop_index("ix_post_group_thread_starts", table_name="posts")
