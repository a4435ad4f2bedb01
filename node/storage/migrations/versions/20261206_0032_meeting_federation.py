"""meeting federation: meetings of groups elsewhere, and the Join behind an RSVP

A meeting of a group on another node (a Kinfolk node, Mobilizon, Gancio) is kept as a
``meetings`` row of that group with the Event's ``ap_id`` (None for our own meetings,
whose ids are derived from ``public_id``) and the page it links to (``remote_url``).
``meeting_participations.activity_id`` is the id of the ``Join`` behind an RSVP: a
remote attendee's Join of our meeting (what our ``Accept``/``Reject`` names), or our
member's Join of a meeting elsewhere (what its ``Accept``/``Reject`` names).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain nullable ADD COLUMNs and separate indexes: no copy of the tables on SQLite.
    op.add_column("meetings", sa.Column("ap_id", sa.String(2048), nullable=True))
    op.add_column(
        "meetings", sa.Column("remote_url", sa.String(2048), nullable=False, server_default="")
    )
    op.create_index("ix_meeting_ap_id", "meetings", ["ap_id"], unique=True)
    op.add_column(
        "meeting_participations", sa.Column("activity_id", sa.String(2048), nullable=True)
    )
    op.create_index(
        "ix_meeting_participation_activity",
        "meeting_participations",
        ["activity_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_participation_activity", table_name="meeting_participations")
    op.drop_column("meeting_participations", "activity_id")
    op.drop_index("ix_meeting_ap_id", table_name="meetings")
    op.drop_column("meetings", "remote_url")
    op.drop_column("meetings", "ap_id")
