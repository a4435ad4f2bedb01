"""Mail: a member's own address (``member_emails``), one-time links sent by mail or
printed by the CLI (``mail_links``), and the durable queue of outgoing mail
(``mail_outbox``).

An address is the member's alone: nothing here is federated, shown on a profile or
exported for anyone else. A link keeps only the SHA-256 of its token, so the database
never holds a usable reset link; the queued mail that carried one has its body wiped
once it is sent (``node.mail.outbox``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.mail.kinds import DigestFrequency, LinkPurpose, MailKind
from node.storage.models.base import Base, UTCDateTime, enum_column

# RFC 5321's limit on a forward path.
ADDRESS_MAX = 254


class MemberEmail(Base):
    """A member's address, verified or waiting to be, and their digest choice."""

    __tablename__ = "member_emails"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    # Case-folded, for finding a member by address when they forgot their password.
    address_key: Mapped[str] = mapped_column(String(ADDRESS_MAX), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    digest: Mapped[DigestFrequency] = mapped_column(
        enum_column(DigestFrequency, "digest_frequency"),
        default=DigestFrequency.OFF,
        server_default=DigestFrequency.OFF.value,
    )
    # When the last digest was queued: the next counts only what came after it.
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MailLink(Base):
    """A one-time link: its purpose, its expiry, and when it was used."""

    __tablename__ = "mail_links"
    __table_args__ = (Index("ix_mail_link_account", "account_id", "purpose", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose, "link_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address a verification link proves (the member may have changed it since).
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutgoingMail(Base):
    """One plain-text mail waiting to be sent, being retried, or recently sent."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind, "mail_kind"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None once sent or given up: nothing more to do but forget it.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
