"""The email digest: now and then, for members who asked, how many notifications are
new, by kind, and a link to read them.

Design note. A digest says numbers only ("3 new replies and 1 conversation request"):
never the text of a post or message, the name of a person, or a group's name (a
private group's name alone could say too much to whoever reads the member's mail).
It goes only to a verified address, at most once a day (or a week), never during the
member's quiet hours (it waits until they end), and only when something unread came
after the last one. Each carries a link that turns it off without signing in. The
counts and quiet hours come from ``node.notifications``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.mail import links, texts
from node.mail.addresses import UNSUBSCRIBE_LIFETIME
from node.mail.kinds import DigestFrequency, LinkPurpose, MailKind
from node.mail.links import MailContext
from node.mail.outbox import queue_mail
from node.notifications.counts import unread_counts_since
from node.notifications.quiet import is_quiet, quiet_hours_of
from node.storage.models.actors import Account
from node.storage.models.mail import MemberEmail

PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
BATCH = 200  # members looked at per pass; the rest on the next

# The groups a digest counts in (``texts.COUNTED_GROUPS``), by notification kind; a
# kind not named here is counted as "other".
GROUP_OF_KIND = {
    "reply": "replies",
    "mention": "mentions",
    "contact_request": "requests",
    "conversation_message": "conversations",
    "conversation_accepted": "conversations",
    "care_message": "care",
    "post_approved": "posts",
    "post_declined": "posts",
    "content_removed": "posts",
    "content_restored": "posts",
    "thread_locked": "posts",
    "join_approved": "groups",
    "join_rejected": "groups",
    "member_banned": "groups",
    "meeting_promoted": "meetings",
    "meeting_accepted": "meetings",
    "meeting_declined": "meetings",
    "meeting_cancelled": "meetings",
    "meeting_moved": "meetings",
    "meeting_reminder": "meetings",
}


def counts_by_group(counts: dict[str, int]) -> dict[str, int]:
    """Counts by notification kind, summed into the digest's groups, in their order."""
    grouped = dict.fromkeys(texts.COUNTED_GROUPS, 0)
    for kind, count in counts.items():
        grouped[GROUP_OF_KIND.get(kind, "other")] += count
    return {group: count for group, count in grouped.items() if count}


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        *(
            and_(
                MemberEmail.digest == frequency,
                or_(
                    MemberEmail.last_digest_at.is_(None),
                    MemberEmail.last_digest_at <= now - period,
                ),
            )
            for frequency, period in PERIODS.items()
        )
    )


async def queue_digests(session: AsyncSession, mail: MailContext, *, now: datetime) -> int:
    """Queue each digest that is due now; how many were queued."""
    rows = await session.execute(
        select(MemberEmail, Account.locale)
        .join(Account, Account.id == MemberEmail.account_id)
        .where(
            MemberEmail.verified_at.is_not(None),
            Account.suspended_at.is_(None),
            _due(now),
        )
        .order_by(MemberEmail.last_digest_at.is_not(None), MemberEmail.last_digest_at)
        .limit(BATCH)
    )
    queued = 0
    for email, locale in rows:
        if is_quiet(await quiet_hours_of(session, email.account_id), now):
            continue  # it waits until the quiet hours end
        counts = await unread_counts_since(session, email.account_id, since=email.last_digest_at)
        grouped = counts_by_group({str(kind): n for kind, n in counts.items()})
        if not grouped:
            continue
        token = await links.create_link(
            session,
            email.account_id,
            LinkPurpose.UNSUBSCRIBE,
            lifetime=UNSUBSCRIBE_LIFETIME,
            now=now,
        )
        text = texts.digest(
            locale,
            node=mail.node_name,
            counts=grouped,
            frequency=email.digest,
            notifications=f"{mail.site.base_url}/notifications",
            unsubscribe=links.link_url(mail.site, LinkPurpose.UNSUBSCRIBE, token),
        )
        await queue_mail(
            session,
            recipient=email.address,
            subject=text.subject,
            body=text.body,
            kind=MailKind.DIGEST,
            now=now,
        )
        email.last_digest_at = now
        queued += 1
    return queued
