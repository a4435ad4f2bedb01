"""The domain's kinds and states, as plain values every layer may name.

What an actor is, a member's role, a group's visibility, where a membership or a
report stands, what a moderator did: the storage models keep these in columns,
the services decide by them, and federation and the web read them off the views.
They live apart from the tables, so that naming a kind never means reaching for a
table.
"""

from __future__ import annotations

import enum


class ActorKind(enum.StrEnum):
    PERSON = "person"
    GROUP = "group"
    APPLICATION = "application"


class NodeRole(enum.StrEnum):
    """A member's role on this node (not in a group)."""

    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class FollowState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class JoinPolicy(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class MembershipState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    BANNED = "banned"


class GroupRole(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"


class ModAction(enum.StrEnum):
    """What a moderator did, as the moderation log records it.

    Group actions carry the group; node actions (suspending an account, working a
    report that concerns no group) carry none.
    """

    REMOVE_POST = "remove_post"
    RESTORE_POST = "restore_post"
    LOCK_THREAD = "lock_thread"
    UNLOCK_THREAD = "unlock_thread"
    PIN = "pin"
    UNPIN = "unpin"
    BAN = "ban"
    UNBAN = "unban"
    APPROVE_MEMBER = "approve_member"
    REJECT_MEMBER = "reject_member"
    APPROVE_POST = "approve_post"
    REJECT_POST = "reject_post"
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    RESOLVE_REPORT = "resolve_report"
    DISMISS_REPORT = "dismiss_report"
    # A node admin looked up who wrote an anonymous post (node log only).
    REVEAL_AUTHOR = "reveal_author"


class ReportKind(enum.StrEnum):
    """A rule report says something is wrong; a care report, "I'm worried about this
    person", asks the moderators to look after someone (no removal, no ban)."""

    RULE = "rule"
    CARE = "care"


class ReportState(enum.StrEnum):
    OPEN = "open"
    # Acted on (the action itself is in the moderation log) ...
    RESOLVED = "resolved"
    # ... or looked at and left alone.
    DISMISSED = "dismissed"


class ReactionKind(enum.StrEnum):
    """Reactions are deliberately few and supportive: no dislikes in peer support."""

    SUPPORT = "support"


class ConversationState(enum.StrEnum):
    """Where a one-on-one conversation stands: asked, then accepted or declined; an
    accepted one is ended by either member, for good (a new request starts anew)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class ContactKind(enum.StrEnum):
    """How a crisis resource is reached: a number to call or to text, or an address on
    the web (a chat, or a page)."""

    PHONE = "phone"
    TEXT = "text"
    CHAT = "chat"
    WEB = "web"


class ContactPolicy(enum.StrEnum):
    """Who may ask a member for a conversation: the member's own boundary.

    A ladder, each step wider than the one before: nobody; people who share an approved
    membership in a group with them (the default); those and anyone with an account on
    this node; those and anyone on a node the admin marked trusted; anyone at all. A block
    either way refuses whatever the step.
    """

    NOBODY = "nobody"
    SHARED_GROUPS = "shared_groups"
    THIS_NODE = "this_node"
    TRUSTED_NODES = "trusted_nodes"
    ANYONE = "anyone"


class NotificationKind(enum.StrEnum):
    """What a notification tells a member (``node.notifications``): something happened
    to their post, their request, their conversation or their place in a group. Never
    how many people liked something: no popularity in peer support."""

    REPLY = "reply"
    MENTION = "mention"
    JOIN_APPROVED = "join_approved"
    JOIN_REJECTED = "join_rejected"
    POST_APPROVED = "post_approved"
    POST_DECLINED = "post_declined"
    CONTENT_REMOVED = "content_removed"
    CONTENT_RESTORED = "content_restored"
    THREAD_LOCKED = "thread_locked"
    MEMBER_BANNED = "member_banned"
    CONTACT_REQUEST = "contact_request"
    CONVERSATION_MESSAGE = "conversation_message"
    CONVERSATION_ACCEPTED = "conversation_accepted"
    CARE_MESSAGE = "care_message"
    MEETING_PROMOTED = "meeting_promoted"
    MEETING_ACCEPTED = "meeting_accepted"
    MEETING_DECLINED = "meeting_declined"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_REMINDER = "meeting_reminder"
    MEETING_MOVED = "meeting_moved"


class Recurrence(enum.StrEnum):
    """How a meeting repeats: not at all, every N weeks on its weekday, every N months on
    the same weekday of the month ("first Saturday"), or on the same date."""

    NONE = "none"
    WEEKLY = "weekly"
    MONTHLY_WEEKDAY = "monthly_weekday"
    MONTHLY_DATE = "monthly_date"


class MeetingJoinMode(enum.StrEnum):
    """Open: saying "going" is a place (while there is room). Approval: a facilitator
    accepts or declines first (Mobilizon's ``free`` and ``restricted``)."""

    OPEN = "open"
    APPROVAL = "approval"


class Attendance(enum.StrEnum):
    """Where a member stands with a meeting series. ``going`` alone holds a place (and
    counts against the capacity); ``waiting`` is in line for one, ``pending`` waits for a
    facilitator, ``declined`` was turned down by one."""

    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"
    WAITING = "waiting"
    PENDING = "pending"
    DECLINED = "declined"
