"""Blocklists the admin subscribes to: each list, its last fetched entries, and which
lists each federation rule came from (``node.federation_policy.subscriptions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime


class BlocklistSubscription(Base):
    """A blocklist fetched by URL on a schedule; ``ceiling``: the most severe it may set."""

    __tablename__ = "blocklist_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    ceiling: Mapped[str] = mapped_column(String(16))
    auto_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    # The validators of the last answer, for a conditional request next time.
    etag: Mapped[str] = mapped_column(Text, default="")
    last_modified: Mapped[str] = mapped_column(Text, default="")
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Whether the fetched entries differ from what was applied last.
    pending: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Entries that cannot be applied (obfuscated names, digests alone), one per line.
    unapplicable: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BlocklistEntry(Base):
    """One domain of a list as last fetched (its severity as the list says, uncapped)."""

    __tablename__ = "blocklist_entries"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("blocklist_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16))
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")


class RuleSource(Base):
    """What a list gave a domain's rule when it was last applied (capped by its ceiling):
    the rule's provenance, and what the lists' merge is made of."""

    __tablename__ = "federation_rule_sources"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("blocklist_subscriptions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    severity: Mapped[str] = mapped_column(String(16))
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")
