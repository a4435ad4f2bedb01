"""check-ins: a member's private record of how they are, and posts that share one

``check_ins`` holds each member's check-ins (read by them alone); ``posts.check_in_scale``
marks a post that is a shared check-in, here or from another Kinfolk node.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("scale", sa.SmallInteger(), nullable=False),
        sa.Column("words", sa.String(length=400), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared_post_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["actors.id"], name=op.f("fk_check_ins_owner_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_post_id"], ["posts.id"], name=op.f("fk_check_ins_shared_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("public_id", name=op.f("uq_check_ins_public_id")),
    )
    op.create_index("ix_check_in_owner", "check_ins", ["owner_id", "created_at", "id"])
    # A plain ADD COLUMN (nullable, no default): no copy of the table on SQLite.
    op.add_column("posts", sa.Column("check_in_scale", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("posts", "check_in_scale")
    op.drop_index("ix_check_in_owner", table_name="check_ins")
    op.drop_table("check_ins")
