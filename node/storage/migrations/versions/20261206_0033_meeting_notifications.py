"""meeting notifications: the meeting a notification is about, and "an occurrence moved"

``notifications.meeting_id`` names the meeting a notification is about, so the page can
say its title and link to it. ``meeting_moved`` tells those going that an occurrence
moved. The notifications' kind CHECK constraint is widened by hand (the schema
comparison cannot see it).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "reply", "mention", "join_approved", "join_rejected", "post_approved", "post_declined",
    "content_removed", "content_restored", "thread_locked", "member_banned",
    "contact_request", "conversation_message", "conversation_accepted", "care_message",
    "meeting_promoted", "meeting_accepted", "meeting_declined", "meeting_cancelled",
    "meeting_reminder",
)
_NEW_KINDS = (*_OLD_KINDS, "meeting_moved")


def _check(values: Sequence[str]) -> str:
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_notifications_meeting_id_meetings"),
            "meetings",
            ["meeting_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.drop_constraint(op.f("ck_notifications_notification_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_notification_kind"), _check(_NEW_KINDS))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM notifications WHERE kind = 'meeting_moved'"))
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_notification_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_notification_kind"), _check(_OLD_KINDS))
        batch.drop_constraint(op.f("fk_notifications_meeting_id_meetings"), type_="foreignkey")
        batch.drop_column("meeting_id")
