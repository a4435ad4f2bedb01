"""What a member is shown of their notifications: entries, each one notification or a
group of unread ones of one kind about one subject, and how many are new."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.kinds import NotificationKind
from node.views import ActorRef


@dataclass(frozen=True)
class PostSubject:
    """The post a notification is about: its id for the link, the title of its thread,
    its group."""

    public_id: str
    thread_title: str | None
    group: ActorRef


@dataclass(frozen=True)
class MeetingSubject:
    """The meeting a notification is about: its id for the link, and its title."""

    public_id: str
    title: str


@dataclass(frozen=True)
class NotificationEntry:
    # The newest notification of the entry: the cursor's, and what "mark read" names.
    id: int
    kind: NotificationKind
    # How many notifications it holds (1 unless unread ones were grouped): never a count
    # of people who liked something, only of things that happened to the member.
    count: int
    newest_at: datetime
    read: bool
    # Who caused it, when one person who may be named did all the entry holds.
    actor: ActorRef | None
    # Caused by an anonymous writer: shown as the group's anonymous member.
    anonymous: bool
    post: PostSubject | None
    group: ActorRef | None
    conversation_id: str | None
    # A moderator's reason (or a group elsewhere's for a refusal), where one was given.
    reason: str
    meeting: MeetingSubject | None = None


@dataclass(frozen=True)
class UnreadNotifications:
    """How many notifications are new for the header and the API: none during quiet
    hours, which end at ``quiet_until`` (UTC)."""

    count: int
    quiet_until: datetime | None
