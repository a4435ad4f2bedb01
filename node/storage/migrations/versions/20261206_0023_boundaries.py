"""a member's boundaries: who may ask them, mutes, blocks of actors and of nodes

``accounts.contact_policy``: who may ask the member for a conversation (default: people
who share a group with them). ``mutes``: actors a member does not want to see.
``actor_blocks``: actors an actor blocked (the owner is one of our members, or a remote
actor whose server sent us its ``Block``). ``node_blocks``: nodes a member blocked for
themselves.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POLICIES = ("nobody", "shared_groups", "this_node", "anyone")


def _add_contact_policy() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN with its CHECK inline: SQLite cannot add a constraint later,
        # and copying ``accounts`` anew (batch mode) would cascade into every row naming
        # it when the old table is dropped.
        allowed = ", ".join(f"'{value}'" for value in _POLICIES)
        op.execute(
            "ALTER TABLE accounts ADD COLUMN contact_policy VARCHAR(16) "
            "DEFAULT 'shared_groups' NOT NULL "
            f"CONSTRAINT ck_accounts_contact_policy CHECK (contact_policy IN ({allowed}))"
        )
        return
    op.add_column(
        "accounts",
        sa.Column(
            "contact_policy",
            sa.Enum(
                *_POLICIES, name="contact_policy", native_enum=False,
                create_constraint=True, length=16,
            ),
            nullable=False,
            server_default="shared_groups",
        ),
    )


def upgrade() -> None:
    _add_contact_policy()
    op.create_table(
        "mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["actors.id"], name=op.f("fk_mutes_owner_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_mutes_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutes")),
        sa.UniqueConstraint("owner_id", "actor_id", name="uq_mute"),
    )
    op.create_index(op.f("ix_mutes_actor_id"), "mutes", ["actor_id"])
    op.create_table(
        "actor_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("activity_uri", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["actors.id"], name=op.f("fk_actor_blocks_owner_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_actor_blocks_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_blocks")),
        sa.UniqueConstraint("owner_id", "actor_id", name="uq_actor_block"),
    )
    op.create_index("ix_actor_block_actor", "actor_blocks", ["actor_id"])
    op.create_table(
        "node_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["actors.id"], name=op.f("fk_node_blocks_owner_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_blocks")),
        sa.UniqueConstraint("owner_id", "domain", name="uq_node_block"),
    )
    op.create_index(op.f("ix_node_blocks_domain"), "node_blocks", ["domain"])


def downgrade() -> None:
    op.drop_index(op.f("ix_node_blocks_domain"), table_name="node_blocks")
    op.drop_table("node_blocks")
    op.drop_index("ix_actor_block_actor", table_name="actor_blocks")
    op.drop_table("actor_blocks")
    op.drop_index(op.f("ix_mutes_actor_id"), table_name="mutes")
    op.drop_table("mutes")
    op.drop_column("accounts", "contact_policy")  # not batched, for the reason above
