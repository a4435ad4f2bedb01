"""Notifications: what happened to a member's posts, requests, conversations and place in
groups, shown on their pages and in the API, grouped and calm, and held back during
their quiet hours.

Design note. One row per thing that happened (``recording.notify``, called by the domain
service where it happens, for local actions and for those from other nodes alike). The
listing groups unread ones by kind and subject and never counts people
(``listing``); ``counts`` says how many are new (none during quiet hours, ``quiet``),
and by kind for the email digest; ``reading`` marks them read. ``about_posts`` decides
who is told of a new post (its parent's author, the members it names), and is imported
from there alone, as it reads posts as their viewers would.
"""

from node.kinds import NotificationKind
from node.notifications.counts import unread_count, unread_counts_since
from node.notifications.listing import notifications_of
from node.notifications.quiet import (
    QuietHours,
    is_quiet,
    quiet_hours_of,
    quiet_since,
    quiet_until,
    set_quiet_hours,
)
from node.notifications.reading import mark_all_read, mark_entries_read, mark_read_up_to
from node.notifications.recording import notify
from node.notifications.views import (
    MeetingSubject,
    NotificationEntry,
    PostSubject,
    UnreadNotifications,
)

__all__ = [
    "MeetingSubject",
    "NotificationEntry",
    "NotificationKind",
    "PostSubject",
    "QuietHours",
    "UnreadNotifications",
    "is_quiet",
    "mark_all_read",
    "mark_entries_read",
    "mark_read_up_to",
    "notifications_of",
    "notify",
    "quiet_hours_of",
    "quiet_since",
    "quiet_until",
    "set_quiet_hours",
    "unread_count",
    "unread_counts_since",
]
