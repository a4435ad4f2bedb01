"""support topics: on posts, as a group's default, and each member's choices

Posts may carry support topics beside their free-text warning (``posts.topics``), a
group may give its new posts default topics (``groups.default_topics``), and each
member says per topic whether to show, collapse or hide such posts
(``topic_filters``, only the choices that differ from collapsing).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("topics", sa.String(300), nullable=False, server_default=""))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("default_topics", sa.String(300), nullable=False, server_default="")
        )
    op.create_table(
        "topic_filters",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_topic_filters_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "topic", name=op.f("pk_topic_filters")),
    )


def downgrade() -> None:
    op.drop_table("topic_filters")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("default_topics")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("topics")
