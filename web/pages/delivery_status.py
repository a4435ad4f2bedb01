"""Did my post arrive? The calm line under a post that says which nodes it reached.

Shown to a post's author (an anonymous post's too: only their own session knows it is
theirs, ``node.posts.anonymity``) and to those who moderate its group, if the group is
hosted here, who also see the nodes named; nobody else, so the line can never point at
who wrote what. What it says
comes from ``federation.delivery.reach``; times are in the viewer's own time zone (the
one their quiet hours use). A post sent to no other node, or older than the status is
kept (``reach.KEPT``), shows nothing. The API's single post tells the same people the
same (``web.api.delivery_schemas``), by the same decision (``shows_delivery``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from federation.delivery import reach
from federation.delivery.reach import HostReach, HostState, PostReach
from node.notifications.quiet import quiet_hours_of
from node.views import PostView, Viewer


@dataclass(frozen=True)
class DeliveryLine:
    """What the thread page says of one post's delivery (times in the viewer's zone)."""

    reach: PostReach
    retrying_since: datetime | None
    # For moderators: each node, with its state and since when; empty for the author.
    hosts: tuple[HostReach, ...]
    today: date  # the viewer's: a time today is shown as the clock reads, others with a date

    @property
    def total(self) -> int:
        return len(self.reach.hosts)

    def count(self, state: str) -> int:
        return self.reach.count(HostState(state))


async def viewer_zone(session: AsyncSession, viewer: Viewer) -> ZoneInfo:
    """The viewer's own time zone (the one their quiet hours use; UTC if never set)."""
    return ZoneInfo((await quiet_hours_of(session, viewer.account_id)).time_zone)


def written_by(handle: str | None) -> Callable[[PostView], bool]:
    """Whether a post shown to the member signed in as ``handle`` is their own."""

    def mine(post: PostView) -> bool:
        author = post.author
        return author is not None and author.local and author.handle == handle

    return mine


def shows_delivery(post: PostView, *, mine: bool, moderates: bool, now: datetime) -> bool:
    """Whether a post's delivery status is told to its viewer (the page's and the API's
    one decision): its author, or the moderators of its group if it is hosted here."""
    return (
        not post.deleted
        and now - post.published_at < reach.KEPT
        # A group elsewhere shares its posts itself: what we sent about them is our
        # members' own (their posts, support, reports), not the post reaching anyone.
        and ((moderates and post.group.local) or mine)
    )


async def reach_shown(
    session: AsyncSession,
    posts: Iterable[PostView],
    *,
    mine: Callable[[PostView], bool],
    moderates: bool,
    now: datetime,
) -> dict[str, PostReach]:
    """Where each post went, by public id, for those whose status the viewer is told
    (nothing is queried when there are none)."""
    shown = {
        post.uri: post.public_id
        for post in posts
        if shows_delivery(post, mine=mine(post), moderates=moderates, now=now)
    }
    return {shown[uri]: status for uri, status in (await reach.reach_of(session, shown)).items()}


async def delivery_lines(
    session: AsyncSession,
    viewer: Viewer | None,
    handle: str | None,
    posts: Iterable[PostView],
    *,
    moderates: bool,
    now: datetime,
) -> dict[str, DeliveryLine]:
    """The delivery line of each post this viewer may see one for, by public id."""
    if viewer is None:
        return {}
    found = await reach_shown(session, posts, mine=written_by(handle), moderates=moderates, now=now)
    if not found:
        return {}
    zone = await viewer_zone(session, viewer)
    today = now.astimezone(zone).date()
    lines: dict[str, DeliveryLine] = {}
    for public_id, status in found.items():
        since = status.retrying_since
        hosts = (
            tuple(HostReach(h.host, h.state, h.since.astimezone(zone)) for h in status.hosts)
            if moderates
            else ()
        )
        lines[public_id] = DeliveryLine(
            status, None if since is None else since.astimezone(zone), hosts, today
        )
    return lines
