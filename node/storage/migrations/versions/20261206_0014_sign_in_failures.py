"""sign-in failures, counted in the database so every web process sees them

The sign-in throttle (node.sign_in) counted wrong passwords in each process's
memory, so a node running several web processes allowed several times the
guesses, and the JSON API was not throttled at all. A row per failure, keyed by
an HMAC of the username or address; rows past the window are purged as new ones
arrive, so the table holds about fifteen minutes of failures.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failure_key", "sign_in_failures", ["key_hash", "failed_at"])
    op.create_index(
        op.f("ix_sign_in_failures_failed_at"), "sign_in_failures", ["failed_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_failures_failed_at"), table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failure_key", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
