"""People elsewhere coming to our meetings: their ``Join`` of one of our Events, and
their ``Leave`` of it (Mobilizon's participation).

A Join speaks for its actor only (the inbox checked that the signer is its actor) and
never arrives through a group's Announce. It is an RSVP "going" under the group's rules
(``node.meetings.guests``): a place (answered ``Accept``), pending in approval mode or in
line when full (no answer yet), or refused (``Reject``): a person banned from the group,
or not a member of a private one. A Join of an Event that is not ours, or a Leave that
names none, is someone else's business (a Leave may end a conversation instead).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox.handlers.lookups import named_actor
from federation.inbox.prepared import Ignored
from federation.protocol.events import meeting_named
from federation.protocol.readings import ActivityReading
from node.errors import NotFound
from node.meetings.guests import guest_joins, guest_leaves

log = logging.getLogger("kinfolk.processing")


def names_our_meeting(fed: Federation, activity: ActivityReading) -> bool:
    """Whether the activity's object is one of our meetings' Events."""
    return meeting_named(fed.site.base_url, activity.object_id) is not None


def _our_meeting(fed: Federation, activity: ActivityReading, via: str | None) -> str:
    """The public id of our meeting a person's own Join or Leave names (never one
    relayed inside an Announce: participation is the person's own word)."""
    public_id = meeting_named(fed.site.base_url, activity.object_id)
    if public_id is None or via is not None:
        raise Ignored("it names no meeting of ours")
    return public_id


async def on_join(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A person elsewhere asks to come to one of our meetings."""
    public_id = _our_meeting(fed, activity, via)
    guest = await named_actor(session, activity.actor)
    try:
        state = await guest_joins(session, public_id, guest, join_uri=activity.id, now=fed.clock())
    except NotFound:
        raise Ignored("it names no meeting of ours") from None
    log.info("%s asked to come to %s: %s", guest.uri, activity.object_id, state or "refused")


async def on_leave(
    fed: Federation, session: AsyncSession, activity: ActivityReading, via: str | None
) -> None:
    """A person elsewhere takes back their RSVP to one of our meetings."""
    public_id = _our_meeting(fed, activity, via)
    guest = await named_actor(session, activity.actor)
    try:
        left = await guest_leaves(session, public_id, guest, now=fed.clock())
    except NotFound:
        raise Ignored("it names no meeting of ours") from None
    if not left:
        raise Ignored(f"{guest.uri} had not asked to come")
