"""moderators of groups hosted elsewhere, and the queue that reads such groups again

``remote_moderators``: who moderates a group on another node, as its node
publishes it. ``group_syncs``: one row per group elsewhere that the back-fill
worker reads again (actor, moderators and, once a member of ours joined it, its
recent threads and pins), leased and retried like the other queues.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remote_moderators",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"],
            name=op.f("fk_remote_moderators_actor_id_actors"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"],
            name=op.f("fk_remote_moderators_group_id_groups"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "actor_id", name=op.f("pk_remote_moderators")),
    )
    with op.batch_alter_table("remote_moderators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remote_moderators_actor_id"), ["actor_id"], unique=False
        )
    op.create_table(
        "group_syncs",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("queued", "done", "failed", name="group_sync_state", native_enum=False,
                    create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("backfill", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"],
            name=op.f("fk_group_syncs_actor_id_actors"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_group_syncs")),
    )
    with op.batch_alter_table("group_syncs", schema=None) as batch_op:
        batch_op.create_index("ix_group_sync_due", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_syncs", schema=None) as batch_op:
        batch_op.drop_index("ix_group_sync_due")
    op.drop_table("group_syncs")
    with op.batch_alter_table("remote_moderators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remote_moderators_actor_id"))
    op.drop_table("remote_moderators")
