"""Reports: members report posts and members; moderators work the queue."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node.handles import HANDLE_MAX
from node.ids import ROW_ID_MAX
from node.kinds import ReportKind, ReportState
from node.pagination import Page
from node.reports import filing, report_queue, report_views, stepping_back
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation
from web.api.schemas import ActorOut, actor_out


class ReportBody(Body):
    post_id: str | None = Field(None, max_length=64, description="The post reported; or acct")
    acct: str | None = Field(
        None, max_length=HANDLE_MAX + 256, description="The member reported (name@host); or post_id"
    )
    reason: str = Field("", max_length=filing.REASON_MAX, description="What is wrong")
    group_rule_id: int | None = Field(
        None, ge=1, le=ROW_ID_MAX, description="A rule of the post's group it breaks"
    )
    node_rule_id: int | None = Field(
        None, ge=1, le=ROW_ID_MAX, description="A rule of this node it breaks"
    )
    forward: bool = Field(
        False,
        description="Also send it, without your name, to the node of the author or member "
        "reported (a report about a group elsewhere always goes to that group's node)",
    )


class NoteBody(Body):
    note: str = Field("", max_length=report_queue.NOTE_MAX, description="For the other moderators")


class StateFilter(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    ALL = "all"


class KindFilter(enum.StrEnum):
    RULE = "rule"
    CARE = "care"
    ALL = "all"


class ReportsQuery(PageQuery):
    state: StateFilter = Field(StateFilter.OPEN, description="open (the default), or all")
    kind: KindFilter = Field(
        KindFilter.ALL, description="rule reports, care reports, or all (the default)"
    )


class MyReportsQuery(ReportsQuery):
    mine: bool = Field(False, description="The reports you made (their state), not a queue")


class CitedRuleOut(BaseModel):
    id: int
    title: str


class ReportOut(BaseModel):
    id: str
    kind: ReportKind = Field(description="rule: something is wrong; care: someone is worried")
    state: ReportState
    local: bool = Field(description="Made here (true) or sent by another node")
    target: str = Field(description="The URI of the post or member reported")
    post: str | None = Field(description="The post reported, if this node holds it")
    target_actor: ActorOut | None = Field(description="The member reported, or the author")
    group: ActorOut | None
    reporter: ActorOut | None = Field(
        description="Shown to node staff only (another node's report names that node)"
    )
    group_rule: CitedRuleOut | None
    node_rule: CitedRuleOut | None
    reason: str
    forward: bool
    forwarded_at: datetime | None = Field(description="When it was sent to other nodes")
    reaching_out: ActorOut | None = Field(
        description="A care report: the moderator reaching out to the member (for moderators)"
    )
    resolution: str = Field(description="The moderator's note; for moderators")
    resolved_by: ActorOut | None = Field(description="For moderators")
    resolved_at: datetime | None
    created_at: datetime
    reporter_deleted: bool = Field(
        False, description="The reporter has deleted their account since (node staff only)"
    )


class ReportPage(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None


def _rule(rule: report_views.CitedRule | None) -> CitedRuleOut | None:
    return None if rule is None else CitedRuleOut(id=rule.id, title=rule.title)


def report_out(view: report_views.ReportView) -> ReportOut:
    def actor(ref: Any) -> ActorOut | None:
        return None if ref is None else actor_out(ref)

    return ReportOut(
        id=view.public_id,
        kind=view.kind,
        state=view.state,
        local=view.local,
        target=view.target_uri,
        post=view.post,
        target_actor=actor(view.target_actor),
        group=actor(view.group),
        reporter=actor(view.reporter),
        group_rule=_rule(view.group_rule),
        node_rule=_rule(view.node_rule),
        reason=view.reason,
        forward=view.forward,
        forwarded_at=view.forwarded_at,
        reaching_out=actor(view.reaching_out),
        resolution=view.resolution,
        resolved_by=actor(view.resolved_by),
        resolved_at=view.resolved_at,
        created_at=view.created_at,
        reporter_deleted=view.reporter_deleted,
    )


def report_page(page: Page[report_views.ReportView]) -> ReportPage:
    return ReportPage(items=[report_out(v) for v in page.items], next_cursor=page.next_cursor)


def _state(query: ReportsQuery) -> ReportState | None:
    return None if query.state is StateFilter.ALL else ReportState(query.state.value)


def _kind(query: ReportsQuery) -> ReportKind | None:
    return None if query.kind is KindFilter.ALL else ReportKind(query.kind.value)


async def file_report(call: Call[ReportBody, Any]) -> ReportOut:
    body = call.body
    view = await filing.file_report(
        call.session,
        call.site,
        call.member,
        post_id=body.post_id,
        acct=body.acct,
        reason=body.reason,
        group_rule_id=body.group_rule_id,
        node_rule_id=body.node_rule_id,
        forward=body.forward,
        now=call.now,
    )
    return report_out(view)


async def _stepping_back(call: Call[Any, Any]) -> bool:
    """A moderator stepping back finds the queue they work empty, here as on its page
    (asked after the listing, so who may not see a queue is still told so)."""
    return await stepping_back.stepping_back(call.session, call.member, now=call.now) is not None


async def list_reports(call: Call[Any, MyReportsQuery]) -> ReportPage:
    page = await report_queue.list_reports(
        call.session,
        call.member,
        state=_state(call.query),
        kind=_kind(call.query),
        mine=call.query.mine,
        cursor=call.query.cursor,
        limit=call.query.limit,
    )
    if not call.query.mine and await _stepping_back(call):
        return ReportPage(items=[], next_cursor=None)
    return report_page(page)


async def list_group_reports(call: Call[Any, ReportsQuery]) -> ReportPage:
    page = await report_queue.list_group_reports(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        state=_state(call.query),
        kind=_kind(call.query),
        cursor=call.query.cursor,
        limit=call.query.limit,
    )
    if await _stepping_back(call):
        return ReportPage(items=[], next_cursor=None)
    return report_page(page)


async def get_report(call: Call[Any, Any]) -> ReportOut:
    return report_out(await report_queue.get_report(call.session, call.member, call.path("id")))


async def resolve_report(call: Call[NoteBody, Any]) -> ReportOut:
    view = await report_queue.close_report(
        call.session,
        call.member,
        call.path("id"),
        dismiss=False,
        note=call.body.note,
        now=call.now,
    )
    return report_out(view)


async def dismiss_report(call: Call[NoteBody, Any]) -> ReportOut:
    view = await report_queue.close_report(
        call.session,
        call.member,
        call.path("id"),
        dismiss=True,
        note=call.body.note,
        now=call.now,
    )
    return report_out(view)


R = "/api/v1/reports"
OPERATIONS = (
    Operation(
        "POST",
        R,
        file_report,
        "Report a post or a member to the moderators (and, for a group elsewhere, to "
        "its node), without your name leaving this node",
        "reports",
        auth=Auth.REQUIRED,
        body=ReportBody,
        response=ReportOut,
        status=201,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "GET",
        R,
        list_reports,
        "The reports you work, newest first (node staff: all; group moderators: their "
        "groups'), or with mine=true the ones you made",
        "reports",
        auth=Auth.REQUIRED,
        query=MyReportsQuery,
        response=ReportPage,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        "/api/v1/groups/{name}/reports",
        list_group_reports,
        "Reports about a group's posts (its moderators, node staff)",
        "reports",
        auth=Auth.REQUIRED,
        query=ReportsQuery,
        response=ReportPage,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "GET",
        R + "/{id}",
        get_report,
        "A report (moderators see it whole; who made it sees its state)",
        "reports",
        auth=Auth.REQUIRED,
        response=ReportOut,
        errors=(401, 404),
    ),
    Operation(
        "POST",
        R + "/{id}/resolve",
        resolve_report,
        "Moderators: mark a report as acted on, with a note",
        "reports",
        auth=Auth.REQUIRED,
        body=NoteBody,
        response=ReportOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "POST",
        R + "/{id}/dismiss",
        dismiss_report,
        "Moderators: dismiss a report (nothing to do), with a note",
        "reports",
        auth=Auth.REQUIRED,
        body=NoteBody,
        response=ReportOut,
        errors=(401, 403, 404, 409, 422),
    ),
)
