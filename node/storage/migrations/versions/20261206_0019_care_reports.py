"""care reports, the kind messages they bring, and moderators stepping back

A report is now of a kind: a rule report (all reports so far) or a care report ("I'm
worried about this person"), whose moderator may say they reach out. A member's kind
messages (never naming who reported, never holding what they wrote) and the moderators
who stepped back from the queue for a while get their tables. A remote actor notes
whether its node reads care reports.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "rule", "care", name="report_kind", native_enum=False,
                    create_constraint=True, length=16,
                ),
                nullable=False,
                server_default="rule",
            )
        )
        batch.add_column(sa.Column("reaching_out_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_reports_reaching_out_id_actors"), "actors", ["reaching_out_id"], ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("kind", server_default=None)
    # A plain ADD COLUMN, its default kept: on SQLite, altering the default would copy
    # ``actors`` anew, and dropping the old table would cascade into every row naming it.
    op.add_column(
        "actors",
        sa.Column("reads_care_reports", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "care_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["actors.id"], name=op.f("fk_care_messages_member_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_care_messages_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_messages")),
        sa.UniqueConstraint("public_id", name=op.f("uq_care_messages_public_id")),
    )
    op.create_index("ix_care_message_member", "care_messages", ["member_id", "read_at"])
    op.create_table(
        "moderators_stepping_back",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_moderators_stepping_back_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_moderators_stepping_back")),
    )


def downgrade() -> None:
    op.drop_table("moderators_stepping_back")
    op.drop_index("ix_care_message_member", table_name="care_messages")
    op.drop_table("care_messages")
    op.drop_column("actors", "reads_care_reports")  # not batched, for the reason above
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint(op.f("fk_reports_reaching_out_id_actors"), type_="foreignkey")
        batch.drop_column("reaching_out_id")
        batch.drop_constraint(op.f("ck_reports_report_kind"), type_="check")
        batch.drop_column("kind")
