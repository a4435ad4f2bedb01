"""moderation log; bans may end

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "remove_post",
                "ban",
                "unban",
                name="mod_action",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("target_uri", sa.String(length=2048), nullable=False),
        sa.Column("target_post_id", sa.Integer(), nullable=True),
        sa.Column("target_actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_moderation_log_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["actors.id"],
            name=op.f("fk_moderation_log_moderator_id_actors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_post_id"],
            ["posts.id"],
            name=op.f("fk_moderation_log_target_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_actor_id"],
            ["actors.id"],
            name=op.f("fk_moderation_log_target_actor_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
    )
    op.create_index(
        "ix_moderation_log_group", "moderation_log", ["group_id", "created_at", "id"], unique=False
    )
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("banned_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("banned_until")
    op.drop_index("ix_moderation_log_group", table_name="moderation_log")
    op.drop_table("moderation_log")
