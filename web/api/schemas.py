"""The API's answers: pydantic models (they also write the OpenAPI schemas) and the
functions that build them from the domain's views."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, NodeRole, Visibility
from node.pagination import Page
from node.topics import Topic, TopicChoice
from node.views import AccountView, ActorRef, GroupView, MembershipView, PostView, Profile


class ActorOut(BaseModel):
    id: str = Field(description="The actor's canonical URI (its ActivityPub id)")
    kind: ActorKind
    handle: str
    domain: str
    acct: str = Field(description="handle@domain, as used in mentions and WebFinger")
    display_name: str
    local: bool


class AccountOut(BaseModel):
    actor: ActorOut
    bio: str
    role: NodeRole
    locale: str
    created_at: datetime
    crisis_country: str = Field(
        "",
        description="Where the member wants crisis resources for (ISO 3166 alpha-2; "
        "empty: not said)",
    )


class TokenOut(BaseModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme's name)
    account: AccountOut


class ProfileOut(BaseModel):
    actor: ActorOut
    bio: str
    created_at: datetime
    suspended: bool = Field(False, description="Suspended by this node's staff")


class RuleOut(BaseModel):
    position: int
    title: str
    description: str


class MembershipOut(BaseModel):
    group: ActorOut
    member: ActorOut
    state: MembershipState
    role: GroupRole
    created_at: datetime


class GroupOut(BaseModel):
    actor: ActorOut
    name: str
    display_name: str
    description: str
    visibility: Visibility
    join_policy: JoinPolicy
    default_content_warning: str
    language: str
    posting_restricted_to_moderators: bool
    rules: list[RuleOut]
    created_at: datetime
    membership: MembershipOut | None = Field(description="Your own membership, if any")
    hide_moderator_names: bool = Field(
        False, description='The public moderation log says "a moderator" instead of who'
    )
    hold_new_members_posts: bool = Field(
        False, description="Posts of new members wait for a moderator's approval"
    )
    default_topics: list[Topic] = Field(
        default_factory=list,
        description="Support topics the group's new posts carry unless their authors choose",
    )
    allow_anonymous_posts: bool = Field(
        False, description='Members may post as "Anonymous member" (groups on this node only)'
    )
    trusted_nodes_only: bool = Field(
        False, description="Only members of this node and of trusted nodes may join"
    )


class PostOut(BaseModel):
    id: str
    uri: str
    group: ActorOut
    author: ActorOut | None = Field(description="null once the post is deleted")
    title: str | None
    content_html: str
    source: str | None = Field(description="The Markdown as written; shown to its author only")
    content_warning: str
    language: str
    published_at: datetime
    edited_at: datetime | None
    deleted: bool
    in_reply_to: str | None
    thread: str | None
    reply_count: int
    supported_by_me: bool
    support_count: int | None = Field(description="Shown to the post's author only")
    pinned: bool = Field(description="Pinned to its group's top by a moderator (an announcement)")
    removed: bool = Field(
        False,
        description="Removed by a moderator: shown as deleted (no content), except to the "
        "group's moderators and node staff who ask with show_removed",
    )
    locked: bool = Field(
        False, description="Its thread is locked: it takes replies from moderators only"
    )
    held: bool = Field(
        False,
        description="Waiting for a moderator's approval: seen by its author and the "
        "group's moderators only",
    )
    pending: bool = Field(
        False,
        description="Sent to a group on another node, which has not shared it yet: "
        "seen by its author only",
    )
    declined: bool = Field(
        False,
        description="Turned down by its group on another node before it was shared: "
        "seen by its author only",
    )
    topics: list[Topic] = Field(
        default_factory=list, description="Support topics (GET /api/v1/topics)"
    )
    filtered: TopicChoice = Field(
        TopicChoice.SHOW,
        description="What your topic filters make of it: show; collapse (behind its "
        'warning); hide ("hidden by your filters": no title or content unless you ask '
        "with reveal)",
    )
    anonymous: bool = Field(
        False,
        description='Posted as "Anonymous member": author is then the group, except for '
        "the post's own author, who sees themselves",
    )
    anonymous_label: str | None = Field(
        None, description='How its writer is named within the thread, e.g. "Anonymous 2"'
    )
    check_in_scale: int | None = Field(
        None,
        ge=1,
        le=5,
        description="A member's check-in shared with the group: how they were, 1 "
        '("really struggling") to 5 ("really good"); null for any other post',
    )


class GroupPage(BaseModel):
    items: list[GroupOut]
    next_cursor: str | None


class MembershipPage(BaseModel):
    items: list[MembershipOut]
    next_cursor: str | None


class ModeratorsOut(BaseModel):
    items: list[ActorOut] = Field(
        description="Who moderates the group (for a group elsewhere: as its node names them)"
    )
    names_hidden: bool = Field(
        False, description="The group keeps its moderators' names from you (items is empty)"
    )


class PostPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None
    hidden_by_filters: int = Field(
        0, description='How many items of this page your topic filters hide (filtered "hide")'
    )


def actor_out(ref: ActorRef) -> ActorOut:
    return ActorOut(
        id=ref.uri,
        kind=ref.kind,
        handle=ref.handle,
        domain=ref.domain,
        acct=ref.acct,
        display_name=ref.display_name,
        local=ref.local,
    )


def account_out(view: AccountView) -> AccountOut:
    return AccountOut(
        actor=actor_out(view.actor),
        bio=view.bio,
        role=view.role,
        locale=view.locale,
        created_at=view.created_at,
        crisis_country=view.crisis_country,
    )


def profile_out(view: Profile) -> ProfileOut:
    return ProfileOut(
        actor=actor_out(view.actor),
        bio=view.bio,
        created_at=view.created_at,
        suspended=view.suspended,
    )


def membership_out(view: MembershipView) -> MembershipOut:
    return MembershipOut(
        group=actor_out(view.group),
        member=actor_out(view.member),
        state=view.state,
        role=view.role,
        created_at=view.created_at,
    )


def group_out(view: GroupView) -> GroupOut:
    return GroupOut(
        actor=actor_out(view.actor),
        name=view.actor.handle,
        display_name=view.actor.display_name,
        description=view.description,
        visibility=view.visibility,
        join_policy=view.join_policy,
        default_content_warning=view.default_content_warning,
        language=view.language,
        posting_restricted_to_moderators=view.posting_restricted_to_moderators,
        rules=[
            RuleOut(position=r.position, title=r.title, description=r.description)
            for r in view.rules
        ],
        created_at=view.created_at,
        membership=membership_out(view.membership) if view.membership else None,
        hide_moderator_names=view.hide_moderator_names,
        hold_new_members_posts=view.hold_new_members_posts,
        default_topics=list(view.default_topics),
        allow_anonymous_posts=view.allow_anonymous_posts,
        trusted_nodes_only=view.trusted_nodes_only,
    )


def post_out(view: PostView) -> PostOut:
    return PostOut(
        id=view.public_id,
        uri=view.uri,
        group=actor_out(view.group),
        author=actor_out(view.author) if view.author else None,
        title=view.title,
        content_html=view.content_html,
        source=view.source,
        content_warning=view.content_warning,
        language=view.language,
        published_at=view.published_at,
        edited_at=view.edited_at,
        deleted=view.deleted,
        in_reply_to=view.in_reply_to,
        thread=view.thread,
        reply_count=view.reply_count,
        supported_by_me=view.supported_by_me,
        support_count=view.support_count,
        pinned=view.pinned,
        removed=view.removed,
        locked=view.locked,
        held=view.held,
        pending=view.pending,
        declined=view.declined,
        topics=list(view.topics),
        filtered=view.filtered,
        anonymous=view.anonymous,
        anonymous_label=(
            None if view.anonymous_label is None else f"Anonymous {view.anonymous_label}"
        ),
        check_in_scale=view.check_in_scale,
    )


def group_page(page: Page[GroupView]) -> GroupPage:
    return GroupPage(items=[group_out(v) for v in page.items], next_cursor=page.next_cursor)


def membership_page(page: Page[MembershipView]) -> MembershipPage:
    return MembershipPage(
        items=[membership_out(v) for v in page.items], next_cursor=page.next_cursor
    )


class PinnedPosts(BaseModel):
    items: list[PostOut]


def post_page(page: Page[PostView]) -> PostPage:
    return PostPage(
        items=[post_out(v) for v in page.items],
        next_cursor=page.next_cursor,
        hidden_by_filters=sum(v.filtered is TopicChoice.HIDE for v in page.items),
    )


def moderators_out(shown: list[ActorRef] | None) -> ModeratorsOut:
    if shown is None:
        return ModeratorsOut(items=[], names_hidden=True)
    return ModeratorsOut(items=[actor_out(ref) for ref in shown])
