"""Care: "I'm worried about this person", the care queue's steps, and a member's kind
messages (``node.reports.care``, ``node.reports.care_messages``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node.handles import HANDLE_MAX
from node.reports import care, care_messages, filing
from node.reports.care import CareReach
from web.api.crisis_api import ShownResource, shown_out
from web.api.operation import Auth, Body, Call, Operation
from web.api.reports_api import ReportOut, report_out
from web.api.schemas import ActorOut, actor_out

REACH_SAID = {
    CareReach.HERE: "They are a member of this node: they have a kind message with "
    "resources, without your name or your words.",
    CareReach.THEIR_NODE: "They are on another Kinfolk node: it was sent there, without "
    "your name or your words, and their node will send them a kind message.",
    CareReach.NOT_SENT: "They are on a server that does not read care reports, so it was "
    "not sent there (its moderators could read it as an accusation). This node's "
    "moderators will see it.",
}


class CareReportBody(Body):
    post_id: str | None = Field(None, max_length=64, description="A post by the member; or acct")
    acct: str | None = Field(
        None, max_length=HANDLE_MAX + 256, description="The member (name@host); or post_id"
    )
    reason: str = Field(
        "",
        max_length=filing.REASON_MAX,
        description="Optional, for this node's moderators alone (never sent, never shown "
        "to the member)",
    )


class CareReportOut(BaseModel):
    report: ReportOut
    reach: CareReach = Field(
        description="here: the member has a kind message; their_node: sent to their "
        "Kinfolk node; not_sent: their server does not read care reports"
    )
    said: str = Field(description="The same, in a sentence")


class SharedOut(BaseModel):
    sent: bool = Field(description="False: an earlier kind message is still unread")


class CareMessageOut(BaseModel):
    id: str
    group: ActorOut | None = Field(description="The group whose community cares; or none")
    resources: list[ShownResource] = Field(description="The group's, then the node's")
    created_at: datetime
    read_at: datetime | None


class CareMessageList(BaseModel):
    items: list[CareMessageOut]


def message_out(view: care_messages.CareMessageView) -> CareMessageOut:
    return CareMessageOut(
        id=view.public_id,
        group=None if view.group is None else actor_out(view.group),
        resources=shown_out(view.resources).items,
        created_at=view.created_at,
        read_at=view.read_at,
    )


async def file_care_report(call: Call[CareReportBody, Any]) -> CareReportOut:
    filed = await care.file_care_report(
        call.session,
        call.site,
        call.member,
        post_id=call.body.post_id,
        acct=call.body.acct,
        reason=call.body.reason,
        now=call.now,
    )
    return CareReportOut(
        report=report_out(filed.report), reach=filed.reach, said=REACH_SAID[filed.reach]
    )


async def reach_out(call: Call[Any, Any]) -> ReportOut:
    return report_out(await care.reach_out(call.session, call.member, call.path("id")))


async def share_resources(call: Call[Any, Any]) -> SharedOut:
    sent = await care.share_resources(call.session, call.member, call.path("id"), now=call.now)
    return SharedOut(sent=sent)


async def list_care_messages(call: Call[Any, Any]) -> CareMessageList:
    views = await care_messages.list_messages(call.session, call.member)
    return CareMessageList(items=[message_out(v) for v in views])


async def read_care_message(call: Call[Any, Any]) -> CareMessageOut:
    view = await care_messages.mark_read(call.session, call.member, call.path("id"), now=call.now)
    return message_out(view)


OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/care-reports",
        file_care_report,
        "Tell the moderators you are worried about someone (a post's author or a member); "
        "they get a kind message with resources, never your name or words",
        "reports",
        auth=Auth.REQUIRED,
        body=CareReportBody,
        response=CareReportOut,
        status=201,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "POST",
        "/api/v1/reports/{id}/reach-out",
        reach_out,
        "Moderators: say you will reach out to the member of a care report yourself",
        "reports",
        auth=Auth.REQUIRED,
        response=ReportOut,
        errors=(401, 403, 404, 409),
    ),
    Operation(
        "POST",
        "/api/v1/reports/{id}/share-resources",
        share_resources,
        "Moderators: send the member of a care report (of this node) a kind message again",
        "reports",
        auth=Auth.REQUIRED,
        response=SharedOut,
        errors=(401, 403, 404, 409),
    ),
    Operation(
        "GET",
        "/api/v1/care-messages",
        list_care_messages,
        "Your kind messages from your communities, newest first, with their resources",
        "accounts",
        auth=Auth.REQUIRED,
        response=CareMessageList,
        errors=(401,),
    ),
    Operation(
        "POST",
        "/api/v1/care-messages/{id}/read",
        read_care_message,
        "Mark one of your kind messages as read",
        "accounts",
        auth=Auth.REQUIRED,
        response=CareMessageOut,
        errors=(401, 404),
    ),
)
