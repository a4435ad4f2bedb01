"""crisis resources as a list per node and per group, and a member's country for them

``crisis_resources``: one row per resource (name, how to reach it, country,
languages, hours, note, texts in other languages), the node's (``group_id`` NULL)
and each group's, in order. The node's free-text lines (the
``site_crisis_resources`` setting, "name — phone or address") become rows: a line
whose contact is a phone number or a web address is kept, in its order; any
other line cannot be reached from a link and is left out (the admin sees the
list in the new editor). ``accounts.crisis_country``: the country a member wants
resources for, their own choice.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 08:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SETTING = "site_crisis_resources"
# As node/site_info.py read the lines until now (kept here: a migration stands alone).
_SEPARATOR = re.compile(r"\s+[\u2014\u2013-]\s+")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{1,30}$")
_WEB = re.compile(r"^https?://[^\s<>\"']+$")


def _parsed(text: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for raw in text.splitlines():
        parts = _SEPARATOR.split(raw.strip(), maxsplit=1)
        if len(parts) != 2:
            continue
        name, contact = parts[0].strip()[:120], parts[1].strip()
        kind = "phone" if _PHONE.match(contact) else "web" if _WEB.match(contact) else None
        if kind is None or not name or len(contact) > 300 or len(rows) >= 10:
            continue
        rows.append({"position": len(rows) + 1, "name": name, "kind": kind, "value": contact})
    return rows


def upgrade() -> None:
    table = op.create_table(
        "crisis_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("phone", "text", "chat", "web", name="crisis_contact_kind",
                    native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False, server_default=""),
        sa.Column("languages", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("hours", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("note", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("translations", sa.Text(), nullable=False, server_default="{}"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"],
            name=op.f("fk_crisis_resources_group_id_groups"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_resources")),
    )
    with op.batch_alter_table("crisis_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_crisis_resources_group_id"), ["group_id"], unique=False
        )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("crisis_country", sa.String(length=2), nullable=False, server_default="")
        )
    connection = op.get_bind()
    settings = sa.table("node_settings", sa.column("name", sa.String), sa.column("value", sa.Text))
    text = connection.execute(
        sa.select(settings.c.value).where(settings.c.name == _SETTING)
    ).scalar()
    rows = _parsed(text or "")
    if rows:
        op.bulk_insert(table, rows)
    connection.execute(sa.delete(settings).where(settings.c.name == _SETTING))


def downgrade() -> None:
    connection = op.get_bind()
    resources = sa.table(
        "crisis_resources",
        sa.column("group_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("name", sa.String),
        sa.column("value", sa.String),
    )
    lines = connection.execute(
        sa.select(resources.c.name, resources.c.value)
        .where(resources.c.group_id.is_(None))
        .order_by(resources.c.position)
    ).all()
    if lines:
        settings = sa.table(
            "node_settings",
            sa.column("name", sa.String),
            sa.column("value", sa.Text),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        text = "\n".join(f"{name} \u2014 {value}" for name, value in lines)[:2000]
        connection.execute(
            sa.insert(settings).values(name=_SETTING, value=text, updated_at=sa.func.now())
        )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("crisis_country")
    with op.batch_alter_table("crisis_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crisis_resources_group_id"))
    op.drop_table("crisis_resources")
