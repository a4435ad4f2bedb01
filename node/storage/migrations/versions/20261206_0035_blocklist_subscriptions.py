"""blocklist subscriptions and the trusted-nodes tier

``blocklist_subscriptions`` (a list fetched by URL, its severity ceiling and fetch state),
``blocklist_entries`` (its last fetched domains) and ``federation_rule_sources`` (which
lists each rule came from). ``federation_rules.local``: set by the admin, never changed
by a list (every rule so far was); ``federation_rules.trusted``: the trusted tier.
``groups.trusted_nodes_only``: a private group admits members of trusted nodes only.
``accounts.contact_policy`` gains ``trusted_nodes``: its CHECK constraint is widened by
hand (on SQLite by rewriting the table's declared schema, as SQLite documents for a
change that no stored row can violate: copying ``accounts`` anew would cascade into
every row naming it).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_POLICIES = ("nobody", "shared_groups", "this_node", "anyone")
_NEW_POLICIES = ("nobody", "shared_groups", "this_node", "trusted_nodes", "anyone")


def _in(values: Sequence[str]) -> str:
    return "contact_policy IN ({})".format(", ".join(f"'{value}'" for value in values))


def _contact_policies(old: Sequence[str], new: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        version = op.get_bind().execute(sa.text("PRAGMA schema_version")).scalar_one()
        op.execute("PRAGMA writable_schema = ON")
        op.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = 'accounts'"
            ).bindparams(old=_in(old), new=_in(new))
        )
        op.execute(f"PRAGMA schema_version = {int(version) + 1}")
        op.execute("PRAGMA writable_schema = OFF")
        return
    op.drop_constraint(op.f("ck_accounts_contact_policy"), "accounts", type_="check")
    op.create_check_constraint(op.f("ck_accounts_contact_policy"), "accounts", _in(new))


def _domain_entry(table: str) -> list[SchemaItem]:
    """What a list says of one domain: ``blocklist_entries`` and ``federation_rule_sources``."""
    return [
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("reject_media", sa.Boolean(), nullable=False),
        sa.Column("reject_reports", sa.Boolean(), nullable=False),
        sa.Column("public_comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["blocklist_subscriptions.id"],
            name=op.f(f"fk_{table}_subscription_id_blocklist_subscriptions"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "blocklist_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ceiling", sa.String(length=16), nullable=False),
        sa.Column("auto_apply", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False),
        sa.Column("last_modified", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unapplicable", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_subscriptions")),
        sa.UniqueConstraint("url", name=op.f("uq_blocklist_subscriptions_url")),
    )
    op.create_table(
        "blocklist_entries",
        *_domain_entry("blocklist_entries"),
        sa.PrimaryKeyConstraint("subscription_id", "domain", name=op.f("pk_blocklist_entries")),
    )
    op.create_table(
        "federation_rule_sources",
        *_domain_entry("federation_rule_sources"),
        sa.PrimaryKeyConstraint(
            "domain", "subscription_id", name=op.f("pk_federation_rule_sources")
        ),
    )
    with op.batch_alter_table("federation_rule_sources") as batch:
        batch.create_index(
            batch.f("ix_federation_rule_sources_subscription_id"), ["subscription_id"], unique=False
        )
    with op.batch_alter_table("federation_rules") as batch:
        batch.add_column(sa.Column("local", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(
            sa.Column("trusted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column(
                "trusted_nodes_only", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    _contact_policies(_OLD_POLICIES, _NEW_POLICIES)


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE accounts SET contact_policy = 'this_node' "
            "WHERE contact_policy = 'trusted_nodes'"
        )
    )
    _contact_policies(_NEW_POLICIES, _OLD_POLICIES)
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("trusted_nodes_only")
    with op.batch_alter_table("federation_rules") as batch:
        batch.drop_column("trusted")
        batch.drop_column("local")
    with op.batch_alter_table("federation_rule_sources") as batch:
        batch.drop_index(batch.f("ix_federation_rule_sources_subscription_id"))
    op.drop_table("federation_rule_sources")
    op.drop_table("blocklist_entries")
    op.drop_table("blocklist_subscriptions")
