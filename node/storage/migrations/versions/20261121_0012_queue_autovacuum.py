"""PostgreSQL vacuums the two queue tables after thousands of changes, not a fifth

Every delivery and every inbox item is updated twice or more (leased, then done
or rescheduled), and each update leaves a dead row version and, because the
indexed due time or state changes, a dead entry in the queue's index. Claims
walk that index from its oldest end, so until VACUUM removes them they step
over every dead entry left since: on a busy node PostgreSQL's CPU per claim grew
steadily (S2 benchmark: 0.4 to 0.75 of a core in 60 s, and delivery fell behind).
The default trigger waits until a fifth of the table is dead, which for a week
of kept deliveries is millions of rows; these tables ask for a vacuum after
5,000, unthrottled (vacuuming them takes a tenth of a second). SQLite keeps no
dead row versions: nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("deliveries", "inbox_items")
_SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0",
    "autovacuum_vacuum_threshold": "5000",
    "autovacuum_vacuum_cost_delay": "0",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    settings = ", ".join(f"{name} = {value}" for name, value in _SETTINGS.items())
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} SET ({settings})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} RESET ({', '.join(_SETTINGS)})")
