"""meetings: a group's meetings, their exceptions, facilitators, RSVPs, sent reminders
and each member's private calendar feed; five notification kinds about meetings

``meetings`` keeps the start as local wall time and zone, and the series' first start
and last end in UTC for "what is coming up" (``ix_meeting_group_upcoming``).
``meeting_participations`` is one RSVP per member and series
(``ix_meeting_participation_mine`` for "my meetings", ``..._line`` for the waiting
list). ``meeting_reminders`` records each reminder told, so none is told twice.
``calendar_feeds`` keeps a hash of each member's private feed token. The notifications'
kind CHECK constraint is widened by hand (the schema comparison cannot see it).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "reply", "mention", "join_approved", "join_rejected", "post_approved", "post_declined",
    "content_removed", "content_restored", "thread_locked", "member_banned",
    "contact_request", "conversation_message", "conversation_accepted", "care_message",
)
_NEW_KINDS = (
    *_OLD_KINDS, "meeting_promoted", "meeting_accepted", "meeting_declined",
    "meeting_cancelled", "meeting_reminder",
)


def _check(values: Sequence[str]) -> str:
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("content_warning", sa.String(length=500), nullable=False),
        sa.Column("topics", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("starts_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "recurrence",
            _enum("recurrence", "none", "weekly", "monthly_weekday", "monthly_date"),
            nullable=False,
        ),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("until_date", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("first_start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("online_url", sa.String(length=2048), nullable=False),
        sa.Column("details_for_attendees", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("join_mode", _enum("meeting_join_mode", "open", "approval"), nullable=False),
        sa.Column("anonymous_attendance", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_meetings_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["actors.id"], name=op.f("fk_meetings_created_by_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("public_id", name=op.f("uq_meetings_public_id")),
    )
    op.create_index("ix_meeting_group_upcoming", "meetings", ["group_id", "last_end_at"])
    op.create_table(
        "meeting_exceptions",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_date", sa.Date(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("moved_to_local", sa.DateTime(timezone=False), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_exceptions_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "occurrence_date", name=op.f("pk_meeting_exceptions")),
    )
    op.create_table(
        "meeting_facilitators",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"],
            name=op.f("fk_meeting_facilitators_meeting_id_meetings"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_meeting_facilitators_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "actor_id", name=op.f("pk_meeting_facilitators")),
    )
    op.create_table(
        "meeting_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            _enum("attendance", "going", "maybe", "not_going", "waiting", "pending", "declined"),
            nullable=False,
        ),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"],
            name=op.f("fk_meeting_participations_meeting_id_meetings"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_meeting_participations_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participations")),
        sa.UniqueConstraint(
            "meeting_id", "actor_id", name=op.f("uq_meeting_participations_meeting_id")
        ),
    )
    op.create_index(
        "ix_meeting_participation_line", "meeting_participations", ["meeting_id", "state", "since"]
    )
    op.create_index(
        "ix_meeting_participation_mine", "meeting_participations", ["actor_id", "state"]
    )
    op.create_table(
        "meeting_reminders",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"],
            name=op.f("fk_meeting_reminders_meeting_id_meetings"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_meeting_reminders_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "actor_id", "occurrence_start", "kind",
            name=op.f("pk_meeting_reminders"),
        ),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_calendar_feeds_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_notification_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_notification_kind"), _check(_NEW_KINDS))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM notifications WHERE kind LIKE 'meeting_%'"))
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_notification_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_notifications_notification_kind"), _check(_OLD_KINDS))
    op.drop_table("calendar_feeds")
    op.drop_table("meeting_reminders")
    op.drop_index("ix_meeting_participation_mine", table_name="meeting_participations")
    op.drop_index("ix_meeting_participation_line", table_name="meeting_participations")
    op.drop_table("meeting_participations")
    op.drop_table("meeting_facilitators")
    op.drop_table("meeting_exceptions")
    op.drop_index("ix_meeting_group_upcoming", table_name="meetings")
    op.drop_table("meetings")
