"""anonymous posts into Kinfolk groups on other nodes: their tokens, and bans by token

``posts.anonymous_token`` is the opaque per-writer-and-group token an anonymous post in
a group elsewhere travels with (sent, on the writer's node; received, on the group's).
``anonymous_writer_bans`` holds a group's bans of such writers, by token.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("anonymous_token", sa.String(length=128), nullable=True))
        batch.create_index(batch.f("ix_posts_anonymous_token"), ["anonymous_token"])
    op.create_table(
        "anonymous_writer_bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("banned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_anonymous_writer_bans_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_writer_bans")),
        sa.UniqueConstraint("group_id", "token", name="uq_anonymous_writer_ban"),
    )


def downgrade() -> None:
    op.drop_table("anonymous_writer_bans")
    with op.batch_alter_table("posts") as batch:
        batch.drop_index(batch.f("ix_posts_anonymous_token"))
        batch.drop_column("anonymous_token")
