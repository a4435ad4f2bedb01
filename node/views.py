"""What services return: plain frozen dataclasses, never ORM rows.

Callers (web, federation, CLI) cannot lazily load or mutate through them, and a
view carries only what its viewer may see: a post's reaction count, for
example, is shown to its author alone, so the API cannot leak it by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, NodeRole, Visibility
from node.topics import Topic, TopicChoice


@dataclass(frozen=True)
class Viewer:
    """The signed-in member on whose behalf a service runs."""

    account_id: int
    actor_id: int
    role: NodeRole

    @property
    def is_node_staff(self) -> bool:
        return self.role in {NodeRole.ADMIN, NodeRole.MODERATOR}


@dataclass(frozen=True)
class ActorRef:
    uri: str
    kind: ActorKind
    handle: str
    domain: str
    display_name: str
    local: bool

    @property
    def acct(self) -> str:
        return f"{self.handle}@{self.domain}"


@dataclass(frozen=True)
class Profile:
    actor: ActorRef
    bio: str
    created_at: datetime
    # Suspended by this node's staff: shown by name only, as Mastodon shows one.
    suspended: bool = False


@dataclass(frozen=True)
class AccountView:
    id: int
    actor: ActorRef
    bio: str
    role: NodeRole
    locale: str
    created_at: datetime
    # The country the member wants crisis resources for (empty: not said).
    crisis_country: str = ""


@dataclass(frozen=True)
class RuleView:
    position: int
    title: str
    description: str


@dataclass(frozen=True)
class MembershipView:
    group: ActorRef
    member: ActorRef
    state: MembershipState
    role: GroupRole
    created_at: datetime


@dataclass(frozen=True)
class GroupView:
    actor: ActorRef
    description: str
    visibility: Visibility
    join_policy: JoinPolicy
    default_content_warning: str
    language: str
    posting_restricted_to_moderators: bool
    rules: tuple[RuleView, ...]
    created_at: datetime
    # The viewer's own membership, if any: what the "join/leave" button needs.
    membership: MembershipView | None
    # The public moderation log says "a moderator" instead of who.
    hide_moderator_names: bool = False
    # Pre-moderation: posts of members not yet trusted wait for a moderator's approval.
    hold_new_members_posts: bool = False
    # Support topics a new post carries unless its author chooses.
    default_topics: tuple[Topic, ...] = ()
    # Members may post as "Anonymous member" (``node.posts.anonymity``).
    allow_anonymous_posts: bool = False
    # Only members of this node and of trusted nodes may join (a private group's choice).
    trusted_nodes_only: bool = False


@dataclass(frozen=True)
class PostView:
    public_id: str
    uri: str
    group: ActorRef
    # None once the post is deleted: a tombstone keeps the thread's shape only.
    author: ActorRef | None
    title: str | None
    content_html: str
    source: str | None
    content_warning: str
    language: str
    published_at: datetime
    edited_at: datetime | None
    deleted: bool
    in_reply_to: str | None
    in_reply_to_uri: str | None
    thread: str | None
    reply_count: int
    supported_by_me: bool
    # Only the author sees how many people sent support: no popularity contests.
    support_count: int | None
    # A private group's posts are addressed to its members only, never to the public.
    group_public: bool
    # Pinned to the top of its group by a moderator (an announcement).
    pinned: bool = False
    # Removed by a moderator: shown as deleted, except to moderators who ask to see it.
    removed: bool = False
    # Its thread is locked (a thread start's lock holds for every reply): no new replies.
    locked: bool = False
    # Waiting for a moderator's approval: seen by its author and the moderators only.
    held: bool = False
    # Our member's post in a group on another node, not yet shared by that group: seen by
    # its author only (``node.pending_posts``) ...
    pending: bool = False
    # ... and turned down there (or removed before it was shared): its author's alone.
    declined: bool = False
    # Support topics (``node.topics``) ...
    topics: tuple[Topic, ...] = ()
    # ... and what the viewer chose to see of them (``node.topics.filters``): shown,
    # collapsed behind its warning, or hidden (then its words are withheld unless the
    # viewer opens it on purpose).
    filtered: TopicChoice = TopicChoice.SHOW
    # Shown as its group's "Anonymous member" (``author`` is then the group, but for its
    # own author); ``anonymous_label`` numbers its writer within the thread.
    anonymous: bool = False
    anonymous_label: int | None = None
    # A member's check-in shared with the group (``node.checkins``): its scale, 1 to 5.
    check_in_scale: int | None = None
