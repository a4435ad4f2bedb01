"""reports, node rules, and the state moderator actions need (removed, locked, held posts;
trusted members; node-level log entries)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ACTIONS = ("remove_post", "ban", "unban")
_NEW_ACTIONS = (
    "remove_post", "restore_post", "lock_thread", "unlock_thread", "pin", "unpin", "ban",
    "unban", "approve_member", "reject_member", "approve_post", "reject_post", "suspend",
    "unsuspend", "resolve_report", "dismiss_report",
)


def _check(values: Sequence[str]) -> str:
    return "action IN ({})".format(", ".join(f"'{value}'" for value in values))


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "node_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_rules")),
        sa.UniqueConstraint("position", name="uq_node_rule_position"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("target_uri", sa.String(length=2048), nullable=False),
        sa.Column("target_post_id", sa.Integer(), nullable=True),
        sa.Column("target_actor_id", sa.Integer(), nullable=True),
        sa.Column("group_rule_id", sa.Integer(), nullable=True),
        sa.Column("node_rule_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("forward", sa.Boolean(), nullable=False),
        _time("forwarded_at"),
        sa.Column(
            "state",
            sa.Enum(
                "open", "resolved", "dismissed", name="report_state", native_enum=False,
                create_constraint=True, length=16,
            ),
            nullable=False,
        ),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        _time("resolved_at"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["actors.id"], name=op.f("fk_reports_reporter_id_actors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_reports_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_post_id"], ["posts.id"], name=op.f("fk_reports_target_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_actor_id"], ["actors.id"], name=op.f("fk_reports_target_actor_id_actors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_rule_id"], ["group_rules.id"],
            name=op.f("fk_reports_group_rule_id_group_rules"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["node_rule_id"], ["node_rules.id"], name=op.f("fk_reports_node_rule_id_node_rules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["actors.id"], name=op.f("fk_reports_resolved_by_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("public_id", name=op.f("uq_reports_public_id")),
        sa.UniqueConstraint("uri", name=op.f("uq_reports_uri")),
    )
    op.create_index("ix_report_queue", "reports", ["state", "created_at", "id"], unique=False)
    op.create_index("ix_report_group", "reports", ["group_id", "state"], unique=False)

    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("hide_moderator_names", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "hold_new_members_posts", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(_time("trusted_at"))
    with op.batch_alter_table("posts") as batch:
        batch.add_column(_time("removed_at"))
        batch.add_column(_time("locked_at"))
        batch.add_column(_time("held_at"))
    with op.batch_alter_table("moderation_log") as batch:
        batch.alter_column("group_id", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint(op.f("ck_moderation_log_mod_action"), type_="check")
        batch.create_check_constraint(op.f("ck_moderation_log_mod_action"), _check(_NEW_ACTIONS))


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM moderation_log WHERE group_id IS NULL OR NOT ({})".format(
            _check(_OLD_ACTIONS)
        ))
    )
    with op.batch_alter_table("moderation_log") as batch:
        batch.drop_constraint(op.f("ck_moderation_log_mod_action"), type_="check")
        batch.create_check_constraint(op.f("ck_moderation_log_mod_action"), _check(_OLD_ACTIONS))
        batch.alter_column("group_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("held_at")
        batch.drop_column("locked_at")
        batch.drop_column("removed_at")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("trusted_at")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("hold_new_members_posts")
        batch.drop_column("hide_moderator_names")
    op.drop_index("ix_report_group", table_name="reports")
    op.drop_index("ix_report_queue", table_name="reports")
    op.drop_table("reports")
    op.drop_table("node_rules")
