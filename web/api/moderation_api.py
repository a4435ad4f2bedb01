"""Moderation: removing posts, banning members, and each group's moderation log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node import moderation, posts
from node.pagination import Page
from node.storage.models import ModAction
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation
from web.api.schemas import ActorOut, MembershipOut, actor_out, membership_out


class ReasonBody(Body):
    reason: str = Field("", max_length=moderation.REASON_MAX, description="Shown in the log")


class BanBody(ReasonBody):
    until: datetime | None = Field(None, description="When the ban ends; omit for never")


class LogEntryOut(BaseModel):
    action: ModAction
    moderator: ActorOut | None = Field(description="null if the account is gone")
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
        call.session, call.site, call.viewer, call.path("name"), cursor=call.query.cursor,
        limit=call.query.limit,
    )  # fmt: skip
    return log_page(page)


async def remove_post(call: Call[ReasonBody, Any]) -> None:
    await posts.remove_post(
        call.session, call.member, call.path("id"), reason=call.body.reason, now=call.now
    )


async def ban_member(call: Call[BanBody, Any]) -> MembershipOut:
    view = await moderation.ban_member(
        call.session, call.site, call.member, call.path("name"), call.path("acct"),
        reason=call.body.reason, until=call.body.until, now=call.now,
    )  # fmt: skip
    return membership_out(view)


async def unban_member(call: Call[Any, Any]) -> None:
    await moderation.unban_member(
        call.session, call.site, call.member, call.path("name"), call.path("acct"), now=call.now
    )


G = "/api/v1/groups/{name}"
OPERATIONS = (
    Operation("GET", G + "/modlog", moderation_log,
              "A group's moderation log, newest first (public groups: anyone; private: "
              "moderators)", "moderation", auth=Auth.OPTIONAL, query=PageQuery,
              response=LogPage, errors=(401, 403, 404, 422)),
    Operation("POST", "/api/v1/posts/{id}/remove", remove_post,
              "Moderators: remove a post or reply, saying why", "moderation",
              auth=Auth.REQUIRED, body=ReasonBody, errors=(401, 403, 404, 422)),
    Operation("POST", G + "/bans/{acct}", ban_member,
              "Moderators: ban someone from the group, for good or until a time", "moderation",
              auth=Auth.REQUIRED, body=BanBody, response=MembershipOut,
              errors=(401, 403, 404, 422)),
    Operation("DELETE", G + "/bans/{acct}", unban_member, "Moderators: lift a ban",
              "moderation", auth=Auth.REQUIRED, errors=(401, 403, 404)),
)  # fmt: skip
