"""Where a notification leads, the same for the pages and the API: the post, the
meeting, the group, the conversation or the member's kind messages."""

from __future__ import annotations

from urllib.parse import quote

from node.kinds import NotificationKind
from node.notifications import NotificationEntry
from web.pages.groups import group_path


def subject_path(entry: NotificationEntry, local_domain: str) -> str | None:
    """The page the notification is about, on this node."""
    if entry.kind is NotificationKind.CARE_MESSAGE:
        return "/care-messages"
    if entry.conversation_id is not None:
        return "/conversations/" + quote(entry.conversation_id, safe="")
    if entry.post is not None:
        return "/posts/" + quote(entry.post.public_id, safe="")
    if entry.meeting is not None:
        return "/meetings/" + quote(entry.meeting.public_id, safe="")
    if entry.group is not None:
        return group_path(entry.group, local_domain)
    return None
