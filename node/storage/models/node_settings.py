"""What the admin changes on a running node: settings by name (the federation mode, …)
and the federation rule for each domain (subscribed blocklists: ``blocklists``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from node.storage.models.base import Base, UTCDateTime


class NodeSetting(Base):
    """A setting the admin changes on a running node (the federation mode, …), by name."""

    __tablename__ = "node_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FederationRule(Base):
    """The admin's rule for one domain (see ``node.federation_policy.decision``)."""

    __tablename__ = "federation_rules"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    severity: Mapped[str] = mapped_column(String(16), default="noop")
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    allow: Mapped[bool] = mapped_column(Boolean, default=False)
    public_comment: Mapped[str] = mapped_column(Text, default="")
    private_comment: Mapped[str] = mapped_column(Text, default="")
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by the admin (by hand or an import), not by a subscribed blocklist: lists never
    # change or remove it (``node.federation_policy.subscriptions``).
    local: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The trusted tier: private groups may admit only members of trusted nodes.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
