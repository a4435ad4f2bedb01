"""Groups: the directory, creating a group, joining and leaving, members."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from federation.remote.groups import find_group
from federation.remote.http import FetchError
from node.actors import find_actor_by_uri, split_acct
from node.errors import NotFound
from node.groups import creation, directory, limits, loading, membership
from node.handles import HANDLE_MAX
from node.kinds import JoinPolicy, MembershipState, Visibility
from node.pagination import MAX_LIMIT
from node.views import Viewer
from web.api.operation import Auth, Body, Call, Operation, Query
from web.api.schemas import (
    GroupOut,
    GroupPage,
    MembershipOut,
    MembershipPage,
    ModeratorsOut,
    group_out,
    group_page,
    membership_out,
    membership_page,
    moderators_out,
)
from web.keys import FEDERATION, SITE


class PageQuery(Query):
    cursor: str | None = Field(None, max_length=512, description="next_cursor of the last page")
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT)


class DirectoryQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="Find by name or display name")


class MembersQuery(PageQuery):
    state: MembershipState = Field(
        MembershipState.APPROVED, description="pending and banned are for moderators"
    )


class GroupRuleBody(Body):
    title: str = Field(max_length=limits.RULE_TITLE_MAX)
    description: str = Field("", max_length=limits.RULE_DESCRIPTION_MAX)


class CreateGroupBody(Body):
    name: str = Field(max_length=HANDLE_MAX, examples=["grief-circle"])
    display_name: str = Field("", max_length=limits.DISPLAY_NAME_MAX)
    description: str = Field("", max_length=limits.DESCRIPTION_MAX)
    rules: list[GroupRuleBody] = Field(default_factory=list, max_length=limits.RULES_MAX)
    visibility: Visibility = Visibility.PUBLIC
    join_policy: JoinPolicy = JoinPolicy.OPEN
    default_content_warning: str = Field("", max_length=limits.CONTENT_WARNING_MAX)
    language: str = Field("en", max_length=limits.LANGUAGE_MAX)


async def list_groups(call: Call[Any, DirectoryQuery]) -> GroupPage:
    page = await directory.list_groups(
        call.session,
        call.viewer,
        query=call.query.q,
        cursor=call.query.cursor,
        limit=call.query.limit,
    )
    return group_page(page)


async def create_group(call: Call[CreateGroupBody, Any]) -> GroupOut:
    body = call.body
    view = await creation.create_group(
        call.session,
        call.site,
        call.member,
        handle=body.name,
        display_name=body.display_name,
        description=body.description,
        rules=[creation.RuleInput(r.title, r.description) for r in body.rules],
        visibility=body.visibility,
        join_policy=body.join_policy,
        default_content_warning=body.default_content_warning,
        language=body.language,
        now=call.now,
    )
    return group_out(view)


async def get_group(call: Call[Any, Any]) -> GroupOut:
    return group_out(
        await loading.get_group(call.session, call.site, call.viewer, call.path("name"))
    )


async def _find_elsewhere(request: web.Request, viewer: Viewer | None, body: Any) -> str:
    """A group on another node is looked up (WebFinger, then its actor) before joining."""
    handle, domain = split_acct(request.match_info["name"], request.app[SITE].domain)
    if domain == request.app[SITE].domain:
        return ""
    return await _group_elsewhere(request, f"{handle}@{domain}")


async def _group_elsewhere(request: web.Request, ref: str) -> str:
    """The actor URI of a group on another node, fetched and remembered (404 if it cannot)."""
    try:
        return (await find_group(request.app[FEDERATION], ref)).uri
    except FetchError as exc:
        raise NotFound(f"cannot find the group {ref}: {exc.reason}") from None


class LookupBody(Body):
    ref: str = Field(
        min_length=1,
        max_length=2048,
        description="A group's handle (!name@host, @name@host, name@host) or its URL",
        examples=["!grief-circle@node-b.example", "https://node-b.example/c/grief-circle"],
    )


async def _look_up(request: web.Request, viewer: Viewer | None, body: LookupBody) -> str:
    """Find the group a handle or URL names (fetched if it lives elsewhere); its actor URI,
    or "" for a handle of this node."""
    site, ref = request.app[SITE], body.ref.strip()
    if not ref.startswith(("https://", "http://")):
        handle, domain = split_acct(ref, site.domain)
        if domain == site.domain:
            return ""
        ref = f"{handle}@{domain}"
    elif ref.startswith(site.base_url + "/"):
        return ref
    return await _group_elsewhere(request, ref)


async def look_up_group(call: Call[LookupBody, Any]) -> GroupOut:
    if not call.prepared:
        name = split_acct(call.body.ref.strip(), call.site.domain)[0]
        return group_out(await loading.get_group(call.session, call.site, call.viewer, name))
    actor = await find_actor_by_uri(call.session, call.prepared)
    if actor is None:
        raise NotFound(f"no group at {call.prepared}")
    record = await loading.group_record(call.session, call.viewer, actor)
    return group_out(await loading.view_of(call.session, record))


async def join_group(call: Call[Any, Any]) -> MembershipOut:
    view = await membership.join_group(
        call.session, call.site, call.member, call.path("name"), now=call.now
    )
    return membership_out(view)


async def leave_group(call: Call[Any, Any]) -> None:
    await membership.leave_group(
        call.session, call.site, call.member, call.path("name"), now=call.now
    )


async def list_members(call: Call[Any, MembersQuery]) -> MembershipPage:
    page = await membership.list_members(
        call.session,
        call.site,
        call.viewer,
        call.path("name"),
        state=call.query.state,
        cursor=call.query.cursor,
        limit=call.query.limit,
    )
    return membership_page(page)


async def list_moderators(call: Call[Any, Any]) -> ModeratorsOut:
    shown = await membership.moderators_shown(
        call.session, call.site, call.viewer, call.path("name")
    )
    return moderators_out(shown)


async def approve_member(call: Call[Any, Any]) -> MembershipOut | None:
    view = await membership.decide_membership(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        call.path("acct"),
        approve=True,
        now=call.now,
    )
    assert view is not None
    return membership_out(view)


async def reject_member(call: Call[Any, Any]) -> None:
    await membership.decide_membership(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        call.path("acct"),
        approve=False,
        now=call.now,
    )


G = "/api/v1/groups"
OPERATIONS = (
    Operation(
        "GET",
        G,
        list_groups,
        "The group directory, alphabetical",
        "groups",
        auth=Auth.OPTIONAL,
        query=DirectoryQuery,
        response=GroupPage,
        errors=(401, 422),
    ),
    Operation(
        "POST",
        G,
        create_group,
        "Create a group; you become its owner",
        "groups",
        auth=Auth.REQUIRED,
        body=CreateGroupBody,
        response=GroupOut,
        status=201,
        errors=(401, 409, 422),
    ),
    Operation(
        "POST",
        G + "/lookup",
        look_up_group,
        "Find a group here or on another node by handle or URL (then join it by its acct)",
        "groups",
        auth=Auth.REQUIRED,
        body=LookupBody,
        response=GroupOut,
        prepare=_look_up,
        errors=(401, 404, 422),
    ),
    Operation(
        "GET",
        G + "/{name}",
        get_group,
        "A group: about, rules, your membership",
        "groups",
        auth=Auth.OPTIONAL,
        response=GroupOut,
        errors=(401, 404),
    ),
    Operation(
        "POST",
        G + "/{name}/join",
        join_group,
        "Join (open groups) or ask to join (approval groups), here or on another node "
        "(name@host: pending until that node answers)",
        "groups",
        auth=Auth.REQUIRED,
        response=MembershipOut,
        prepare=_find_elsewhere,
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        G + "/{name}/leave",
        leave_group,
        "Leave a group or withdraw a request to join",
        "groups",
        auth=Auth.REQUIRED,
        errors=(401, 403, 404, 409),
    ),
    Operation(
        "GET",
        G + "/{name}/members",
        list_members,
        "Members of a group",
        "groups",
        auth=Auth.OPTIONAL,
        query=MembersQuery,
        response=MembershipPage,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "GET",
        G + "/{name}/moderators",
        list_moderators,
        "Who moderates a group, here or elsewhere (a group may keep their names from "
        "those who do not moderate it)",
        "groups",
        auth=Auth.OPTIONAL,
        response=ModeratorsOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        G + "/{name}/members/{acct}/approve",
        approve_member,
        "Moderators: approve a request to join",
        "groups",
        auth=Auth.REQUIRED,
        response=MembershipOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        G + "/{name}/members/{acct}/reject",
        reject_member,
        "Moderators: turn down a request to join",
        "groups",
        auth=Auth.REQUIRED,
        errors=(401, 403, 404),
    ),
)
