"""A member's private calendar feed URL (``node.meetings.calendar_feeds``).

The URL is shown once, when made: only a hash of its token is kept, so "show" can say
whether there is one but not repeat it. Making a new one stops the old one at once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from node.errors import NotFound
from node.meetings import calendar_feeds
from web.api.operation import Auth, Call, Operation

BASE = "/api/v1/calendar"


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


class FeedOut(BaseModel):
    active: bool = Field(description="Whether you have a private calendar URL")


class NewFeedOut(BaseModel):
    url: str = Field(description="Your private calendar URL: shown this once, keep it private")


async def show_feed(call: Call[Any, Any]) -> FeedOut:
    return FeedOut(active=await calendar_feeds.has_feed(call.session, call.member))


async def rotate_feed(call: Call[Any, Any]) -> NewFeedOut:
    token = await calendar_feeds.rotate_feed(call.session, call.member, now=call.now)
    return NewFeedOut(url=call.site.base_url.rstrip("/") + feed_path(token))


async def revoke_feed(call: Call[Any, Any]) -> None:
    if not await calendar_feeds.revoke_feed(call.session, call.member):
        raise NotFound("you have no private calendar URL")


OPERATIONS = (
    Operation(
        "GET",
        BASE,
        show_feed,
        "Whether you have a private calendar URL",
        "meetings",
        auth=Auth.REQUIRED,
        response=FeedOut,
        errors=(401,),
    ),
    Operation(
        "POST",
        BASE,
        rotate_feed,
        "Make a new private calendar URL of the meetings you are going to (the old one "
        "stops working)",
        "meetings",
        auth=Auth.REQUIRED,
        response=NewFeedOut,
        status=201,
        errors=(401,),
    ),
    Operation(
        "DELETE",
        BASE,
        revoke_feed,
        "Stop your private calendar URL",
        "meetings",
        auth=Auth.REQUIRED,
        status=204,
        errors=(401, 404),
    ),
)
