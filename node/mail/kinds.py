"""The kinds of mail a node sends, of one-time links, and how often a digest comes."""

from __future__ import annotations

import enum


class MailKind(enum.StrEnum):
    VERIFY = "verify"  # the link that proves an address is the member's
    RESET = "reset"  # a password-reset link
    DIGEST = "digest"  # counts of what is new, for members who asked


class LinkPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a password)
    UNSUBSCRIBE = "unsubscribe"


class DigestFrequency(enum.StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"
