"""one-on-one conversations by consent, and their messages

``conversations``: a request between two actors (at least one of them ours), its answer,
its end, each member's read mark, and the pair's key while it is open (unique: never two
open between the same two). ``conversation_messages``: what the two wrote, as
plain text; message #1 came with the request.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("requested", "accepted", "declined", "ended", name="conversation_state",
                    native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("open_pair", sa.String(length=64), nullable=True),
        sa.Column("request_uri", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asker_read_id", sa.Integer(), nullable=True),
        sa.Column("recipient_read_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"], ["actors.id"], name=op.f("fk_conversations_asker_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["actors.id"], name=op.f("fk_conversations_recipient_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["actors.id"], name=op.f("fk_conversations_ended_by_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_conversations_public_id")),
        sa.UniqueConstraint("uri", name=op.f("uq_conversations_uri")),
        sa.UniqueConstraint("open_pair", name=op.f("uq_conversations_open_pair")),
        sa.UniqueConstraint("request_uri", name=op.f("uq_conversations_request_uri")),
    )
    op.create_index(
        "ix_conversation_asker", "conversations", ["asker_id", "state", "last_activity_at"]
    )
    op.create_index(
        "ix_conversation_recipient",
        "conversations",
        ["recipient_id", "state", "last_activity_at"],
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("uri", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name=op.f("fk_conversation_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["actors.id"], name=op.f("fk_conversation_messages_author_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
        sa.UniqueConstraint("public_id", name=op.f("uq_conversation_messages_public_id")),
        sa.UniqueConstraint("uri", name=op.f("uq_conversation_messages_uri")),
    )
    op.create_index(
        "ix_conversation_message_order", "conversation_messages", ["conversation_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_message_order", table_name="conversation_messages")
    op.drop_table("conversation_messages")
    op.drop_index("ix_conversation_recipient", table_name="conversations")
    op.drop_index("ix_conversation_asker", table_name="conversations")
    op.drop_table("conversations")
