"""A member's private check-ins (``node.checkins``): record, list, read, delete, the chart's
points, and sharing one with a group.

Every check-in is its member's alone: anyone else, node staff included, is answered 404,
as for one that does not exist. Sharing answers the post it became, with
``crisis_prompt`` as writing a post does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from node.checkins import recording, sharing
from node.checkins.recording import CheckInView
from node.checkins.scale import scale_words
from node.handles import HANDLE_MAX
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation, Query
from web.api.posts_api import NewPostOut
from web.api.schemas import post_out

BASE = "/api/v1/checkins"
CRISIS_PROMPT = (
    "The words sounded like a crisis (node.crisis.drafts): a client may gently offer "
    "GET /api/v1/crisis-resources beside them. Only this yes or no is kept from the check."
)


class CheckInBody(Body):
    scale: int = Field(
        ge=1,
        le=5,
        description='How you are: 1 "really struggling", 2 "low", 3 "okay", '
        '4 "good", 5 "really good"',
    )
    words: list[str] = Field(
        [],
        max_length=recording.WORDS_MAX,
        description=f"A few feeling words of your own, each at most {recording.WORD_MAX} "
        "characters",
    )
    note: str = Field("", max_length=recording.NOTE_MAX, description="Plain text")


class CheckInOut(BaseModel):
    id: str
    scale: int = Field(ge=1, le=5)
    scale_words: str = Field(description="The step in English words")
    words: list[str]
    note: str = Field(description="Plain text, as written: escape it when you show it")
    created_at: datetime
    shared_post: str | None = Field(
        description="The id of the post it became when you shared it (null: private)"
    )
    shared_group: str | None = Field(description="The group it was shared with, name@host")


class NewCheckInOut(CheckInOut):
    crisis_prompt: bool = Field(False, description=CRISIS_PROMPT)


class CheckInPage(BaseModel):
    items: list[CheckInOut] = Field(description="Newest first")
    next_cursor: str | None


class HistoryQuery(Query):
    days: int = Field(30, description="The last 30 or 90 days (no other)")


class HistoryPointOut(BaseModel):
    created_at: datetime
    scale: int = Field(ge=1, le=5)


class HistoryOut(BaseModel):
    points: list[HistoryPointOut] = Field(description="Oldest first, for a chart")


class ShareBody(Body):
    group: str = Field(
        max_length=HANDLE_MAX + 1 + 253,
        description='The group: "name" on this node or "name@host" elsewhere; one you may post in',
    )
    anonymous: bool = Field(
        False,
        description='Post as "Anonymous member" (only in a group on this node that allows '
        "it; 422 otherwise)",
    )


def _out(view: CheckInView) -> CheckInOut:
    return CheckInOut(
        id=view.public_id,
        scale=view.scale,
        scale_words=scale_words(view.scale, "en"),
        words=list(view.words),
        note=view.note,
        created_at=view.created_at,
        shared_post=view.shared_post,
        shared_group=view.shared_group,
    )


async def list_check_ins(call: Call[Any, PageQuery]) -> CheckInPage:
    page = await recording.list_check_ins(
        call.session, call.member, cursor=call.query.cursor, limit=call.query.limit
    )
    return CheckInPage(items=[_out(v) for v in page.items], next_cursor=page.next_cursor)


async def record_check_in(call: Call[CheckInBody, Any]) -> NewCheckInOut:
    body = call.body
    recorded = await recording.record_check_in(
        call.session, call.member, scale=body.scale, words=body.words, note=body.note, now=call.now
    )
    return NewCheckInOut(
        **_out(recorded.check_in).model_dump(), crisis_prompt=recorded.crisis_prompt
    )


async def check_in_history(call: Call[Any, HistoryQuery]) -> HistoryOut:
    points = await recording.history(call.session, call.member, days=call.query.days, now=call.now)
    return HistoryOut(
        points=[HistoryPointOut(created_at=p.created_at, scale=p.scale) for p in points]
    )


async def get_check_in(call: Call[Any, Any]) -> CheckInOut:
    return _out(await recording.get_check_in(call.session, call.member, call.path("id")))


async def delete_check_in(call: Call[Any, Any]) -> None:
    await recording.delete_check_in(call.session, call.member, call.path("id"))


async def share_check_in(call: Call[ShareBody, Any]) -> NewPostOut:
    shared = await sharing.share_check_in(
        call.session,
        call.site,
        call.member,
        call.path("id"),
        call.body.group,
        anonymous=call.body.anonymous,
        now=call.now,
    )
    return NewPostOut(**post_out(shared.post).model_dump(), crisis_prompt=shared.crisis_prompt)


def _operation(method: str, path: str, handler: Any, summary: str, **options: Any) -> Operation:
    return Operation(
        method, BASE + path, handler, summary, "checkins", auth=Auth.REQUIRED, **options
    )


OPERATIONS = (
    _operation(
        "GET",
        "",
        list_check_ins,
        "Your check-ins, newest first: yours alone",
        query=PageQuery,
        response=CheckInPage,
        errors=(401, 422),
    ),
    _operation(
        "POST",
        "",
        record_check_in,
        "Note how you are, privately: it never leaves this node unless you share it",
        body=CheckInBody,
        response=NewCheckInOut,
        status=201,
        errors=(401, 422),
    ),
    _operation(
        "GET",
        "/history",
        check_in_history,
        "Your check-ins of the last 30 or 90 days as points, oldest first",
        query=HistoryQuery,
        response=HistoryOut,
        errors=(401, 422),
    ),
    _operation(
        "GET",
        "/{id}",
        get_check_in,
        "One of your check-ins",
        response=CheckInOut,
        errors=(401, 404),
    ),
    _operation(
        "DELETE",
        "/{id}",
        delete_check_in,
        "Delete one of your check-ins (a post that shared it stays: delete it as any post)",
        status=204,
        errors=(401, 404),
    ),
    _operation(
        "POST",
        "/{id}/share",
        share_check_in,
        "Share one of your check-ins with a group you may post in: it becomes a post there",
        body=ShareBody,
        response=NewPostOut,
        status=201,
        errors=(401, 403, 404, 409, 422),
    ),
)
