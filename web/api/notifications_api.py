"""A member's notifications (``node.notifications``): the grouped list, how many are new
(none during quiet hours), marking them read, and the quiet hours themselves."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, Field

from node import notifications
from node.errors import InvalidInput
from node.ids import ROW_ID_MAX
from node.kinds import NotificationKind
from node.notifications import NotificationEntry, QuietHours
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation
from web.api.schemas import ActorOut, actor_out
from web.notification_paths import subject_path

CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class NotificationPostOut(BaseModel):
    id: str
    thread_title: str | None = Field(description="The title of the thread it is in")
    group: ActorOut


class NotificationMeetingOut(BaseModel):
    id: str
    title: str


class NotificationOut(BaseModel):
    id: int = Field(description="The newest notification of the entry: what `read` names")
    kind: NotificationKind
    count: int = Field(
        description="How many things it holds: unread ones of one kind about one subject are "
        "grouped (never a count of people who liked something)"
    )
    newest_at: datetime
    read: bool
    actor: ActorOut | None = Field(
        description="Who did it, when it is one thing and they may be named (never a "
        "moderator, never an anonymous writer)"
    )
    anonymous: bool = Field(description="Done by an anonymous writer of a group")
    post: NotificationPostOut | None
    group: ActorOut | None
    conversation: str | None = Field(description="The conversation's id")
    meeting: NotificationMeetingOut | None = Field(None, description="The meeting it is about")
    reason: str = Field(
        description="A moderator's reason, or why a group elsewhere refused, where one was given"
    )
    url: str | None = Field(description="The page it is about, on this node")


class NotificationPage(BaseModel):
    items: list[NotificationOut] = Field(description="Newest first")
    next_cursor: str | None


class UnreadNotificationsOut(BaseModel):
    count: int = Field(description="New notifications; 0 during your quiet hours")
    quiet_until: datetime | None = Field(
        description="When your quiet hours end (then what waits is new); null outside them"
    )


class NotificationsReadBody(Body):
    up_to: int | None = Field(
        None, ge=1, le=ROW_ID_MAX, description="Every notification up to this id"
    )
    all: bool | None = Field(None, description="true: every notification")
    ids: list[Annotated[int, Field(ge=1, le=ROW_ID_MAX)]] | None = Field(
        None, max_length=100, description="These entries, each with what it groups"
    )


class NotificationsReadOut(BaseModel):
    marked: int = Field(description="How many notifications were marked read")


class QuietHoursOut(BaseModel):
    time_zone: str = Field(description="An IANA time zone, like Europe/Berlin")
    quiet_start: str | None = Field(description="HH:MM on your clock; null: no quiet hours")
    quiet_end: str | None = Field(description="HH:MM; may be earlier than the start (overnight)")


class QuietHoursBody(Body):
    time_zone: str = Field(min_length=1, max_length=64)
    quiet_start: str | None = Field(None, pattern=CLOCK_PATTERN)
    quiet_end: str | None = Field(None, pattern=CLOCK_PATTERN)


def notification_out(entry: NotificationEntry, local_domain: str) -> NotificationOut:
    post = None
    if entry.post is not None:
        post = NotificationPostOut(
            id=entry.post.public_id,
            thread_title=entry.post.thread_title,
            group=actor_out(entry.post.group),
        )
    return NotificationOut(
        id=entry.id,
        kind=entry.kind,
        count=entry.count,
        newest_at=entry.newest_at,
        read=entry.read,
        actor=None if entry.actor is None else actor_out(entry.actor),
        anonymous=entry.anonymous,
        post=post,
        group=None if entry.group is None else actor_out(entry.group),
        conversation=entry.conversation_id,
        meeting=None
        if entry.meeting is None
        else NotificationMeetingOut(id=entry.meeting.public_id, title=entry.meeting.title),
        reason=entry.reason,
        url=subject_path(entry, local_domain),
    )


def _clock(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _settings_out(hours: QuietHours) -> QuietHoursOut:
    return QuietHoursOut(
        time_zone=hours.time_zone, quiet_start=_clock(hours.start), quiet_end=_clock(hours.end)
    )


async def list_notifications(call: Call[Any, PageQuery]) -> NotificationPage:
    page = await notifications.notifications_of(
        call.session, call.member, call.query.cursor, limit=call.query.limit, now=call.now
    )
    return NotificationPage(
        items=[notification_out(entry, call.site.domain) for entry in page.items],
        next_cursor=page.next_cursor,
    )


async def unread_notifications(call: Call[Any, Any]) -> UnreadNotificationsOut:
    counted = await notifications.unread_count(
        call.session, call.member.account_id, call.member.actor_id, now=call.now
    )
    return UnreadNotificationsOut(count=counted.count, quiet_until=counted.quiet_until)


async def mark_notifications_read(call: Call[NotificationsReadBody, Any]) -> NotificationsReadOut:
    body, me = call.body, call.member.actor_id
    chosen = [body.up_to is not None, bool(body.all), body.ids is not None]
    if sum(chosen) != 1:
        raise InvalidInput('send one of "up_to", "all": true, or "ids"', field="body")
    if body.up_to is not None:
        marked = await notifications.mark_read_up_to(call.session, me, body.up_to, now=call.now)
    elif body.all:
        marked = await notifications.mark_all_read(call.session, me, now=call.now)
    else:
        marked = await notifications.mark_entries_read(
            call.session, me, body.ids or [], now=call.now
        )
    return NotificationsReadOut(marked=marked)


async def get_quiet_hours(call: Call[Any, Any]) -> QuietHoursOut:
    return _settings_out(await notifications.quiet_hours_of(call.session, call.member.account_id))


async def set_quiet_hours(call: Call[QuietHoursBody, Any]) -> QuietHoursOut:
    body = call.body
    hours = await notifications.set_quiet_hours(
        call.session,
        call.member.account_id,
        time_zone=body.time_zone,
        start=None if body.quiet_start is None else time.fromisoformat(body.quiet_start),
        end=None if body.quiet_end is None else time.fromisoformat(body.quiet_end),
    )
    return _settings_out(hours)


N = "/api/v1/notifications"
T = "notifications"
OPERATIONS = (
    Operation(
        "GET",
        N,
        list_notifications,
        "Your notifications, newest first: unread ones of one kind about one subject grouped",
        T,
        auth=Auth.REQUIRED,
        query=PageQuery,
        response=NotificationPage,
        errors=(401, 422),
    ),
    Operation(
        "GET",
        N + "/unread",
        unread_notifications,
        "How many notifications are new (none during your quiet hours)",
        T,
        auth=Auth.REQUIRED,
        response=UnreadNotificationsOut,
        errors=(401,),
    ),
    Operation(
        "POST",
        N + "/read",
        mark_notifications_read,
        'Mark notifications read: {"up_to": id}, {"all": true} or {"ids": [...]}',
        T,
        auth=Auth.REQUIRED,
        body=NotificationsReadBody,
        response=NotificationsReadOut,
        errors=(401, 422),
    ),
    Operation(
        "GET",
        N + "/settings",
        get_quiet_hours,
        "Your time zone and quiet hours",
        T,
        auth=Auth.REQUIRED,
        response=QuietHoursOut,
        errors=(401,),
    ),
    Operation(
        "PUT",
        N + "/settings",
        set_quiet_hours,
        "Set your time zone and quiet hours (both ends, or neither)",
        T,
        auth=Auth.REQUIRED,
        body=QuietHoursBody,
        response=QuietHoursOut,
        errors=(401, 422),
    ),
)
