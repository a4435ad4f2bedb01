"""The node's mail sender, built from its settings (``KINFOLK_SMTP_URL``,
``KINFOLK_MAIL_FROM``) for ``kinfolk serve`` and ``kinfolk worker`` alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.mail.links import MailContext
from node.mail.sender import MailSender
from node.site import Site
from web.config import Settings, default_mail_from


def mail_context(settings: Settings) -> MailContext:
    """What every mail names: the node's address and its name."""
    return MailContext(Site(settings.base_url), settings.node_name)


def mail_sender(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
) -> MailSender | None:
    """The sender, or None when no SMTP server is configured (nothing is sent)."""
    if settings.smtp_url is None:
        return None
    return MailSender(
        sessions,
        clock,
        settings.smtp_url,
        sender=settings.mail_from or default_mail_from(settings),
        context=mail_context(settings),
    )
