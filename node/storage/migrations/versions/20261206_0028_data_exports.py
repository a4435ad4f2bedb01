"""a member's data export: the archive and its parts

``data_exports``: one per member (asking again replaces it), its state, the lease of the
worker building it, when it is ready and when it goes. ``data_export_parts``: the
archive's bytes, a mebibyte at a time, in order.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("requested", "ready", "failed", name="export_state",
                    native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_data_exports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("token", name=op.f("uq_data_exports_token")),
        sa.UniqueConstraint("account_id", name=op.f("uq_data_exports_account_id")),
    )
    op.create_index(op.f("ix_data_exports_expires_at"), "data_exports", ["expires_at"])
    op.create_table(
        "data_export_parts",
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"], ["data_exports.id"],
            name=op.f("fk_data_export_parts_export_id_data_exports"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", "seq", name=op.f("pk_data_export_parts")),
    )


def downgrade() -> None:
    op.drop_table("data_export_parts")
    op.drop_index(op.f("ix_data_exports_expires_at"), table_name="data_exports")
    op.drop_table("data_exports")
