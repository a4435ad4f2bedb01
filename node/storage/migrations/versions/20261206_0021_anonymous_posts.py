"""anonymous posts: a group may allow them; a post may be one, with its label in its thread

``groups.allow_anonymous_posts`` is the group's choice (off by default).
``posts.anonymous`` marks a post shown as the group's "Anonymous member", and
``posts.anonymous_label`` its number within its thread ("Anonymous 2"): the same
for every anonymous post of one member in one thread, and nothing beyond it.
``memberships.posting_banned_at`` is a ban of an anonymous post's writer by moderators
who were not told who; ``reveal_author`` the node's log entry written when an admin
looks up who wrote one.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ACTIONS = (
    "remove_post", "restore_post", "lock_thread", "unlock_thread", "pin", "unpin", "ban",
    "unban", "approve_member", "reject_member", "approve_post", "reject_post", "suspend",
    "unsuspend", "resolve_report", "dismiss_report",
)
_NEW_ACTIONS = (*_OLD_ACTIONS, "reveal_author")


def _check(values: Sequence[str]) -> str:
    return "action IN ({})".format(", ".join(f"'{value}'" for value in values))


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column(
                "allow_anonymous_posts", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("posts") as batch:
        batch.add_column(
            sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("anonymous_label", sa.Integer(), nullable=True))
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("posting_banned_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("moderation_log") as batch:
        batch.drop_constraint(op.f("ck_moderation_log_mod_action"), type_="check")
        batch.create_check_constraint(op.f("ck_moderation_log_mod_action"), _check(_NEW_ACTIONS))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM moderation_log WHERE action = 'reveal_author'"))
    with op.batch_alter_table("moderation_log") as batch:
        batch.drop_constraint(op.f("ck_moderation_log_mod_action"), type_="check")
        batch.create_check_constraint(op.f("ck_moderation_log_mod_action"), _check(_OLD_ACTIONS))
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("posting_banned_at")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("anonymous_label")
        batch.drop_column("anonymous")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("allow_anonymous_posts")
