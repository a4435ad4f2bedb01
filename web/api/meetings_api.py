"""A group's meetings (``node.meetings``): schedule and run them, say one is coming,
see who comes, and the member's own meetings.

A meeting hidden from the caller (a private group's, to a non-member) answers 404 as
one that does not exist. The place and link come back null unless the caller may see
them (confirmed attendees, facilitators, moderators, or everyone when the group shows
them). Names of participants: see ``GET /participants``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from node.errors import NotFound
from node.meetings import attending, reading, scheduling
from node.meetings.scheduling import MeetingInput
from web.api.groups_api import PageQuery
from web.api.meetings_schemas import (
    AnswerBody,
    AnswerOut,
    MeetingBody,
    MeetingOut,
    MeetingPage,
    MeetingPatch,
    MoveBody,
    OccurrencePage,
    ParticipantOut,
    ParticipantsOut,
    input_from,
    meeting_out,
    occurrence_out,
    participant_out,
    participants_out,
)
from web.api.operation import Auth, Call, Operation

GROUP = "/api/v1/groups/{name}/meetings"
BASE = "/api/v1/meetings"


def _day(call: Call[Any, Any]) -> date:
    try:
        return date.fromisoformat(call.path("date"))
    except ValueError:
        raise NotFound("name the occurrence by its date, as 2027-03-18") from None


async def list_group_meetings(call: Call[Any, PageQuery]) -> OccurrencePage:
    page = await reading.upcoming_in_group(
        call.session,
        call.site,
        call.viewer,
        call.path("name"),
        call.query.cursor,
        now=call.now,
        limit=call.query.limit,
    )
    return OccurrencePage(
        items=[occurrence_out(o) for o in page.items], next_cursor=page.next_cursor
    )


async def schedule_meeting(call: Call[MeetingBody, Any]) -> MeetingOut:
    start = MeetingInput(
        title=call.body.title,
        starts_local=call.body.starts_local,
        time_zone=call.body.time_zone,
        duration_minutes=call.body.duration_minutes,
    )
    view = await scheduling.schedule_meeting(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        input_from(call.body, start),
        now=call.now,
    )
    return meeting_out(view)


async def show_meeting(call: Call[Any, Any]) -> MeetingOut:
    return meeting_out(await reading.get_meeting(call.session, call.viewer, call.path("id")))


async def edit_meeting(call: Call[MeetingPatch, Any]) -> MeetingOut:
    current = await reading.get_meeting(call.session, call.member, call.path("id"))
    given = input_from(call.body, scheduling.input_of(current))
    view = await scheduling.edit_meeting(
        call.session, call.member, call.path("id"), given, now=call.now
    )
    return meeting_out(view)


async def cancel_meeting(call: Call[Any, Any]) -> None:
    await scheduling.cancel_meeting(call.session, call.member, call.path("id"), now=call.now)


async def cancel_occurrence(call: Call[Any, Any]) -> MeetingOut:
    view = await scheduling.cancel_occurrence(
        call.session, call.member, call.path("id"), _day(call), now=call.now
    )
    return meeting_out(view)


async def move_occurrence(call: Call[MoveBody, Any]) -> MeetingOut:
    view = await scheduling.move_occurrence(
        call.session,
        call.member,
        call.path("id"),
        _day(call),
        call.body.starts_local,
        now=call.now,
    )
    return meeting_out(view)


async def my_answer(call: Call[Any, Any]) -> AnswerOut:
    view = await reading.get_meeting(call.session, call.member, call.path("id"))
    return AnswerOut(state=view.attendance)


async def answer(call: Call[AnswerBody, Any]) -> MeetingOut:
    view = await attending.answer(
        call.session, call.member, call.path("id"), call.body.state, now=call.now
    )
    return meeting_out(view)


async def take_back_answer(call: Call[Any, Any]) -> None:
    await attending.leave(call.session, call.member, call.path("id"), now=call.now)


async def list_participants(call: Call[Any, Any]) -> ParticipantsOut:
    view = await attending.participants(call.session, call.viewer, call.path("id"))
    return participants_out(view)


async def _decide(call: Call[Any, Any], *, accept: bool) -> ParticipantOut:
    view = await attending.decide(
        call.session,
        call.site,
        call.member,
        call.path("id"),
        call.path("handle"),
        accept=accept,
        now=call.now,
    )
    return participant_out(view)


async def accept_participant(call: Call[Any, Any]) -> ParticipantOut:
    return await _decide(call, accept=True)


async def decline_participant(call: Call[Any, Any]) -> ParticipantOut:
    return await _decide(call, accept=False)


async def my_meetings(call: Call[Any, PageQuery]) -> MeetingPage:
    page = await reading.my_meetings(
        call.session, call.member, call.query.cursor, now=call.now, limit=call.query.limit
    )
    return MeetingPage(items=[meeting_out(v) for v in page.items], next_cursor=page.next_cursor)


async def appoint_facilitator(call: Call[Any, Any]) -> None:
    await scheduling.set_facilitator(
        call.session, call.site, call.member, call.path("id"), call.path("handle"), appoint=True
    )


async def remove_facilitator(call: Call[Any, Any]) -> None:
    await scheduling.set_facilitator(
        call.session, call.site, call.member, call.path("id"), call.path("handle"), appoint=False
    )


def _operation(
    method: str,
    path: str,
    handler: Any,
    summary: str,
    *,
    auth: Auth = Auth.REQUIRED,
    **options: Any,
) -> Operation:
    return Operation(method, path, handler, summary, "meetings", auth=auth, **options)


_ONE = BASE + "/{id}"
OPERATIONS = (
    _operation(
        "GET",
        GROUP,
        list_group_meetings,
        "The group's coming meetings, one item per occurrence, soonest first",
        auth=Auth.OPTIONAL,
        query=PageQuery,
        response=OccurrencePage,
        errors=(404, 422),
    ),
    _operation(
        "POST",
        GROUP,
        schedule_meeting,
        "Schedule a meeting of the group (its moderators)",
        body=MeetingBody,
        response=MeetingOut,
        status=201,
        errors=(401, 403, 404, 422),
    ),
    # Before /{id}, which would take "mine" for an id.
    _operation(
        "GET",
        BASE + "/mine",
        my_meetings,
        "The meetings you are going to, waiting for, asked to join or might come to",
        query=PageQuery,
        response=MeetingPage,
        errors=(401, 422),
    ),
    _operation(
        "GET",
        _ONE,
        show_meeting,
        "A meeting, with the details you may see",
        auth=Auth.OPTIONAL,
        response=MeetingOut,
        errors=(404,),
    ),
    _operation(
        "PATCH",
        _ONE,
        edit_meeting,
        "Change a meeting (its facilitators and the group's moderators)",
        body=MeetingPatch,
        response=MeetingOut,
        errors=(401, 403, 404, 409, 422),
    ),
    _operation(
        "DELETE",
        _ONE,
        cancel_meeting,
        "Cancel the whole series; everyone going is told",
        status=204,
        errors=(401, 403, 404, 409),
    ),
    _operation(
        "POST",
        _ONE + "/occurrences/{date}/cancel",
        cancel_occurrence,
        "Cancel one occurrence (by its original local date); everyone going is told",
        response=MeetingOut,
        errors=(401, 403, 404, 409),
    ),
    _operation(
        "POST",
        _ONE + "/occurrences/{date}/move",
        move_occurrence,
        "Move one occurrence to another local start (at most 60 days away)",
        body=MoveBody,
        response=MeetingOut,
        errors=(401, 403, 404, 409, 422),
    ),
    _operation(
        "GET",
        _ONE + "/participation",
        my_answer,
        "Your answer to the meeting",
        response=AnswerOut,
        errors=(401, 404),
    ),
    _operation(
        "PUT",
        _ONE + "/participation",
        answer,
        "Say you are going, might come, or are not going. Going may come back waiting "
        "(the meeting is full) or pending (a facilitator decides)",
        body=AnswerBody,
        response=MeetingOut,
        errors=(401, 403, 404, 409, 422),
    ),
    _operation(
        "DELETE",
        _ONE + "/participation",
        take_back_answer,
        "Take back your answer (a place you held goes to the next in line)",
        status=204,
        errors=(401, 404),
    ),
    _operation(
        "GET",
        _ONE + "/participants",
        list_participants,
        "How many come; names for facilitators, and for members unless attendance is anonymous",
        auth=Auth.OPTIONAL,
        response=ParticipantsOut,
        errors=(404,),
    ),
    _operation(
        "POST",
        _ONE + "/participants/{handle}/accept",
        accept_participant,
        "Accept a member's pending answer (a place, or the waiting list when full)",
        response=ParticipantOut,
        errors=(401, 403, 404, 409),
    ),
    _operation(
        "POST",
        _ONE + "/participants/{handle}/decline",
        decline_participant,
        "Decline a member's pending answer; they are told kindly",
        response=ParticipantOut,
        errors=(401, 403, 404, 409),
    ),
    _operation(
        "PUT",
        _ONE + "/facilitators/{handle}",
        appoint_facilitator,
        "Appoint a member of the group as a facilitator (the group's moderators)",
        status=204,
        errors=(401, 403, 404, 422),
    ),
    _operation(
        "DELETE",
        _ONE + "/facilitators/{handle}",
        remove_facilitator,
        "Remove a facilitator (the group's moderators)",
        status=204,
        errors=(401, 403, 404),
    ),
)
