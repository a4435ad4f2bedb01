"""Moderators are people too: stepping back from the queue and coming back, and how much
waits in each part of it (``node.reports.stepping_back``, ``node.reports.queue_counts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node.reports import queue_counts, stepping_back
from web.api.operation import Auth, Body, Call, Operation
from web.api.schemas import ActorOut, actor_out

S = "/api/v1/moderation/stepping-back"


class StepBackBody(Body):
    until: datetime | None = Field(
        None, description="When you come back by yourself; none: until you say so"
    )


class SteppingBackOut(BaseModel):
    moderator: ActorOut
    since: datetime
    until: datetime | None


class SteppingBackState(BaseModel):
    me: SteppingBackOut | None = Field(description="You, if you are stepping back")
    co_moderators: list[SteppingBackOut] = Field(
        description="Those who share your work and are stepping back"
    )


class QueueCountsOut(BaseModel):
    rule_reports: int
    care_reports: int
    joins: int
    held: int


def _out(view: stepping_back.SteppingBackView) -> SteppingBackOut:
    return SteppingBackOut(moderator=actor_out(view.moderator), since=view.since, until=view.until)


async def stepping_back_state(call: Call[Any, Any]) -> SteppingBackState:
    me = await stepping_back.stepping_back(call.session, call.member, now=call.now)
    others = await stepping_back.co_moderators_stepping_back(
        call.session, call.member, now=call.now
    )
    return SteppingBackState(
        me=None if me is None else _out(me), co_moderators=[_out(v) for v in others]
    )


async def step_back(call: Call[StepBackBody, Any]) -> SteppingBackOut:
    view = await stepping_back.step_back(
        call.session, call.member, until=call.body.until, now=call.now
    )
    return _out(view)


async def come_back(call: Call[Any, Any]) -> None:
    await stepping_back.come_back(call.session, call.member)


async def queue_counts_of(call: Call[Any, Any]) -> QueueCountsOut:
    if await stepping_back.stepping_back(call.session, call.member, now=call.now):
        return QueueCountsOut(rule_reports=0, care_reports=0, joins=0, held=0)  # theirs rests
    counts = await queue_counts.queue_counts(call.session, call.member)
    return QueueCountsOut(
        rule_reports=counts.rule_reports,
        care_reports=counts.care_reports,
        joins=counts.joins,
        held=counts.held,
    )


OPERATIONS = (
    Operation(
        "GET",
        S,
        stepping_back_state,
        "Whether you, and the moderators you share work with, are stepping back",
        "moderation",
        auth=Auth.REQUIRED,
        response=SteppingBackState,
        errors=(401,),
    ),
    Operation(
        "PUT",
        S,
        step_back,
        "Step back from the moderation queue for a while (your co-moderators, or the "
        "node's staff, look after it; nobody is notified)",
        "moderation",
        auth=Auth.REQUIRED,
        body=StepBackBody,
        response=SteppingBackOut,
        errors=(401, 403, 422),
    ),
    Operation(
        "DELETE",
        S,
        come_back,
        "Come back to the moderation queue",
        "moderation",
        auth=Auth.REQUIRED,
        status=204,
        errors=(401,),
    ),
    Operation(
        "GET",
        "/api/v1/moderation/queue-counts",
        queue_counts_of,
        "How much waits for you in each part of the moderation queue",
        "moderation",
        auth=Auth.REQUIRED,
        response=QueueCountsOut,
        errors=(401, 403),
    ),
)
