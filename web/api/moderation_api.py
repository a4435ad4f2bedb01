"""Moderation: removing and restoring posts, locking threads, approving held posts,
banning members, a group's moderation settings, and each group's moderation log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node import group_settings, held_posts, locks, moderation
from node.kinds import ModAction
from node.pagination import Page
from node.posts import removal
from node.topics import TOPICS_MAX
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation, Query
from web.api.schemas import (
    ActorOut,
    GroupOut,
    MembershipOut,
    PostOut,
    PostPage,
    actor_out,
    group_out,
    membership_out,
    post_out,
    post_page,
)


class ReasonBody(Body):
    reason: str = Field("", max_length=moderation.REASON_MAX, description="Shown in the log")


class ReasonQuery(Query):
    reason: str = Field("", max_length=moderation.REASON_MAX, description="Shown in the log")


class SettingsBody(Body):
    hide_moderator_names: bool | None = Field(
        None, description='The public log says "a moderator" instead of who acted'
    )
    hold_new_members_posts: bool | None = Field(
        None,
        description="Posts of members not yet trusted wait for a moderator's approval; "
        "turning it on trusts every member approved at that moment",
    )
    default_topics: list[str] | None = Field(
        None,
        max_length=TOPICS_MAX,
        description="Support topics the group's new posts carry unless their authors choose",
    )
    allow_anonymous_posts: bool | None = Field(
        None,
        description='Members may post and reply as "Anonymous member": nobody but the '
        "author and the node's admins can tell who wrote it (off by default)",
    )
    trusted_nodes_only: bool | None = Field(
        None,
        description="A private group admits members of this node and of nodes the admin "
        "marked trusted only; requests from elsewhere are turned down, members stay",
    )


class BanBody(ReasonBody):
    until: datetime | None = Field(None, description="When the ban ends; omit for never")


class LogEntryOut(BaseModel):
    action: ModAction
    moderator: ActorOut | None = Field(
        description='null ("a moderator") if the group hides its moderators\' names from '
        "those who do not moderate it, or if the account is gone"
    )
    target: str = Field(description="The URI of the post or member acted on")
    target_actor: ActorOut | None = Field(description="The member acted on (or the author)")
    reason: str
    expires_at: datetime | None
    created_at: datetime


class LogPage(BaseModel):
    items: list[LogEntryOut]
    next_cursor: str | None


def log_page(page: Page[moderation.LogEntryView]) -> LogPage:
    return LogPage(
        items=[
            LogEntryOut(
                action=entry.action,
                moderator=None if entry.moderator is None else actor_out(entry.moderator),
                target=entry.target_uri,
                target_actor=None if entry.target_actor is None else actor_out(entry.target_actor),
                reason=entry.reason,
                expires_at=entry.expires_at,
                created_at=entry.created_at,
            )
            for entry in page.items
        ],
        next_cursor=page.next_cursor,
    )


async def moderation_log(call: Call[Any, PageQuery]) -> LogPage:
    page = await moderation.list_log(
        call.session,
        call.site,
        call.viewer,
        call.path("name"),
        cursor=call.query.cursor,
        limit=call.query.limit,
    )
    return log_page(page)


async def remove_post(call: Call[ReasonBody, Any]) -> None:
    await removal.remove_post(
        call.session, call.member, call.path("id"), reason=call.body.reason, now=call.now
    )


async def restore_post(call: Call[ReasonBody, Any]) -> PostOut:
    view = await removal.restore_post(
        call.session, call.member, call.path("id"), reason=call.body.reason, now=call.now
    )
    return post_out(view)


async def lock_thread(call: Call[ReasonBody, Any]) -> PostOut:
    view = await locks.set_locked(
        call.session,
        call.member,
        call.path("id"),
        locked=True,
        reason=call.body.reason,
        now=call.now,
    )
    return post_out(view)


async def unlock_thread(call: Call[Any, ReasonQuery]) -> PostOut:
    view = await locks.set_locked(
        call.session,
        call.member,
        call.path("id"),
        locked=False,
        reason=call.query.reason,
        now=call.now,
    )
    return post_out(view)


async def list_held(call: Call[Any, PageQuery]) -> PostPage:
    page = await held_posts.list_held(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        cursor=call.query.cursor,
        limit=call.query.limit,
    )
    return post_page(page)


async def approve_post(call: Call[Any, Any]) -> PostOut:
    view = await held_posts.approve_post(call.session, call.member, call.path("id"), now=call.now)
    return post_out(view)


async def reject_post(call: Call[ReasonBody, Any]) -> None:
    await held_posts.reject_post(
        call.session, call.member, call.path("id"), reason=call.body.reason, now=call.now
    )


async def update_group_settings(call: Call[SettingsBody, Any]) -> GroupOut:
    body = call.body
    view = await group_settings.update_settings(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        hide_moderator_names=body.hide_moderator_names,
        hold_new_members_posts=body.hold_new_members_posts,
        allow_anonymous_posts=body.allow_anonymous_posts,
        trusted_nodes_only=body.trusted_nodes_only,
        now=call.now,
    )
    if body.default_topics is not None:
        view = await group_settings.set_default_topics(
            call.session, call.site, call.member, call.path("name"), body.default_topics
        )
    return group_out(view)


async def ban_member(call: Call[BanBody, Any]) -> MembershipOut:
    view = await moderation.ban_member(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        call.path("acct"),
        reason=call.body.reason,
        until=call.body.until,
        now=call.now,
    )
    return membership_out(view)


async def unban_member(call: Call[Any, Any]) -> None:
    await moderation.unban_member(
        call.session, call.site, call.member, call.path("name"), call.path("acct"), now=call.now
    )


G = "/api/v1/groups/{name}"
P = "/api/v1/posts/{id}"
OPERATIONS = (
    Operation(
        "GET",
        G + "/modlog",
        moderation_log,
        "A group's moderation log, newest first (public groups: anyone; private: "
        "moderators). Where the group hides its moderators' names, who acted is "
        'shown as "a moderator" (null) to those who do not moderate it',
        "moderation",
        auth=Auth.OPTIONAL,
        query=PageQuery,
        response=LogPage,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "PATCH",
        G + "/settings",
        update_group_settings,
        "Moderators: change the group's moderation settings (what is left out stays)",
        "moderation",
        auth=Auth.REQUIRED,
        body=SettingsBody,
        response=GroupOut,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "POST",
        P + "/remove",
        remove_post,
        "Moderators: remove a post or reply, saying why (kept, so it can be restored; "
        "hidden from all but moderators)",
        "moderation",
        auth=Auth.REQUIRED,
        body=ReasonBody,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "POST",
        P + "/restore",
        restore_post,
        "Moderators: restore a removed post or reply, saying why",
        "moderation",
        auth=Auth.REQUIRED,
        body=ReasonBody,
        response=PostOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "POST",
        P + "/lock",
        lock_thread,
        "Moderators: lock a thread (by its first post), saying why: it takes no new replies",
        "moderation",
        auth=Auth.REQUIRED,
        body=ReasonBody,
        response=PostOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "DELETE",
        P + "/lock",
        unlock_thread,
        "Moderators: unlock a thread (the reason, if any, in the query)",
        "moderation",
        auth=Auth.REQUIRED,
        query=ReasonQuery,
        response=PostOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "GET",
        G + "/held",
        list_held,
        "Moderators: posts waiting for approval, oldest first",
        "moderation",
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=PostPage,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "POST",
        P + "/approve",
        approve_post,
        "Moderators: approve a held post (shared from now on) and trust its author",
        "moderation",
        auth=Auth.REQUIRED,
        response=PostOut,
        errors=(401, 403, 404, 409),
    ),
    Operation(
        "POST",
        P + "/reject",
        reject_post,
        "Moderators: turn a held post down, saying why (it is never shared)",
        "moderation",
        auth=Auth.REQUIRED,
        body=ReasonBody,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "POST",
        G + "/bans/{acct}",
        ban_member,
        "Moderators: ban someone from the group, for good or until a time",
        "moderation",
        auth=Auth.REQUIRED,
        body=BanBody,
        response=MembershipOut,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "DELETE",
        G + "/bans/{acct}",
        unban_member,
        "Moderators: lift a ban",
        "moderation",
        auth=Auth.REQUIRED,
        errors=(401, 403, 404),
    ),
)
