"""Care reports: "I'm worried about this person", apart from rule reports.

A care report asks the moderators to look after someone, not to judge them: its queue
has no removal or ban, only "reach out", "share resources" and "close". The member it
is about is sent a kind message on their own node (``care_messages``): at once when
they are a member here; when they are on another node that reads care reports (another
Kinfolk node), the report travels there as this node's care ``Flag``, without the
reporter's name or words, and that node sends the message. Other software is never sent
one: its moderators would read it as an accusation. The member filing is told which of
these happened (``CareReach``). The reporter's words stay with this node's moderators.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import find_actor, split_acct
from node.errors import Conflict, InvalidInput, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.handles import check_length
from node.ids import new_public_id
from node.kinds import ActorKind, ReportKind, ReportState
from node.posts import anonymity
from node.posts.visibility import load_post
from node.reports.care_messages import send_kind_message
from node.reports.filing import REASON_MAX, refuse_repeat
from node.reports.remote_reports import FLAG_TARGETS_MAX, known_report
from node.reports.report_queue import load_report
from node.reports.report_views import ReportView, views_of
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.moderation import Report
from node.storage.models.posts import Post
from node.views import Viewer


class CareReach(enum.StrEnum):
    """Where a care report went, as the member who filed it is told."""

    # The member is on this node: they have their kind message.
    HERE = "here"
    # Their node reads care reports: it was sent there, without the reporter's name.
    THEIR_NODE = "their_node"
    # Their node runs other software: only this node's moderators see it.
    NOT_SENT = "not_sent"


def reach_of(member: Actor) -> CareReach:
    """Where a care report about ``member`` goes (what the form tells the member filing)."""
    if member.local:
        return CareReach.HERE
    return CareReach.THEIR_NODE if member.reads_care_reports else CareReach.NOT_SENT


async def reach_for(session: AsyncSession, member_uri: str) -> CareReach:
    """``reach_of`` the member at ``member_uri`` (one we know)."""
    member = await session.scalar(select(Actor).where(Actor.uri == member_uri))
    return CareReach.NOT_SENT if member is None else reach_of(member)


@dataclass(frozen=True)
class CareFiling:
    report: ReportView
    reach: CareReach


async def file_care_report(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    *,
    post_id: str | None = None,
    acct: str | None = None,
    reason: str = "",
    now: datetime,
) -> CareFiling:
    """``viewer`` is worried about the author of a post (by public id) or a member (by
    acct); ``reason``, optional, is for this node's moderators alone."""
    if (post_id is None) == (acct is None):
        raise InvalidInput("name either a post (post_id) or a member (acct)", field="post_id")
    post: Post | None = None
    if post_id is not None:
        post, _record = await load_post(session, viewer, post_id)
        if post.deleted_at is not None or post.removed_at is not None:
            raise Conflict("this post was deleted or removed already")
        target = await session.get_one(Actor, post.author_id)
        target_uri = post.uri
    else:
        assert acct is not None
        handle, domain = split_acct(acct, site.domain)
        target = await find_actor(session, handle, domain, ActorKind.PERSON)
        target_uri = target.uri
    if viewer.actor_id == target.id:
        raise PermissionDenied("a care report is about someone else")
    reason = check_length(reason.strip(), REASON_MAX, "reason")
    await refuse_repeat(session, viewer, target_uri, ReportKind.CARE)
    public_id = new_public_id(now)
    group_id = None if post is None else post.group_id
    report = Report(
        public_id=public_id,
        kind=ReportKind.CARE,
        uri=site.report_uri(public_id),
        local=True,
        reporter_id=viewer.actor_id,
        group_id=group_id,
        target_uri=target_uri,
        target_post_id=None if post is None else post.id,
        # An anonymous post's writer is named to nobody, its moderators included.
        target_actor_id=target.id if post is None else anonymity.logged_author_id(post),
        reason=reason,
        forward=False,
        state=ReportState.OPEN,
        resolution="",
        created_at=now,
    )
    session.add(report)
    await session.flush()
    reach = reach_of(target)
    if reach is CareReach.HERE:
        await send_kind_message(session, member_id=target.id, group_id=group_id, now=now)
    elif reach is CareReach.THEIR_NODE:
        report.forward = True
        await record_event(
            session, EventKind.REPORT_FILED, actor_id=viewer.actor_id, subject_id=report.id, now=now
        )
    view = (await views_of(session, viewer, [report], full=True))[0]
    return CareFiling(report=view, reach=reach)


async def receive_care_flag(
    session: AsyncSession, *, uri: str, reporter: Actor, targets: Sequence[str], now: datetime
) -> list[Report]:
    """Another node's care report (its care ``Flag``): a care report here about each of
    our members it names (by a post of theirs, or themselves), and a kind message for
    each. Its words, if any, are not read: a care Flag carries none."""
    wanted = list(dict.fromkeys(targets))[:FLAG_TARGETS_MAX]
    if not wanted or await known_report(session, uri):
        return []
    posts = {p.uri: p for p in await session.scalars(select(Post).where(Post.uri.in_(wanted)))}
    actors = {a.uri: a for a in await session.scalars(select(Actor).where(Actor.uri.in_(wanted)))}
    made: list[Report] = []
    cared_for: set[int] = set()
    for target_uri in wanted:
        post = posts.get(target_uri)
        member = actors.get(target_uri)
        if post is not None and post.deleted_at is None and post.removed_at is None:
            member_id, group_id, post_row_id = post.author_id, post.group_id, post.id
            if not (await session.get_one(Actor, member_id)).local:
                continue
            named_id = anonymity.logged_author_id(post)
        elif member is not None and member.local and member.kind is ActorKind.PERSON:
            member_id, group_id, post_row_id = member.id, None, None
            named_id = member_id
        else:
            continue
        if member_id in cared_for:
            continue
        cared_for.add(member_id)
        made.append(
            Report(
                public_id=new_public_id(now),
                kind=ReportKind.CARE,
                uri=uri if not made else f"{uri}#{len(made) + 1}",
                local=False,
                reporter_id=reporter.id,
                group_id=group_id,
                target_uri=target_uri,
                target_post_id=post_row_id,
                target_actor_id=named_id,
                reason="",
                forward=False,
                state=ReportState.OPEN,
                resolution="",
                created_at=now,
            )
        )
        await send_kind_message(session, member_id=member_id, group_id=group_id, now=now)
    session.add_all(made)
    await session.flush()
    return made


async def _cared_for(session: AsyncSession, report: Report) -> Actor | None:
    """The member a care report is about: named, or (an anonymous post's writer, whom the
    report does not name) found through the post, never shown to whoever asks."""
    if report.target_actor_id is not None:
        return await session.get(Actor, report.target_actor_id)
    if report.target_post_id is None:
        return None
    post = await session.get(Post, report.target_post_id)
    return None if post is None else await session.get(Actor, post.author_id)


async def _open_care_report(session: AsyncSession, viewer: Viewer, public_id: str) -> Report:
    report, works = await load_report(session, viewer, public_id)
    if not works or report.kind is not ReportKind.CARE:
        raise PermissionDenied("only the moderators who see this care report can do that")
    if report.state is not ReportState.OPEN:
        raise Conflict(f"this report is {report.state.value} already")
    return report


async def reach_out(session: AsyncSession, viewer: Viewer, public_id: str) -> ReportView:
    """A moderator says they will reach out to the member themselves (the other
    moderators see who, so the member hears from one person, not several)."""
    report = await _open_care_report(session, viewer, public_id)
    if report.target_actor_id is None:
        raise Conflict("this post is anonymous: share resources instead, nobody may learn who")
    report.reaching_out_id = viewer.actor_id
    await session.flush()
    return (await views_of(session, viewer, [report], full=True))[0]


async def share_resources(
    session: AsyncSession, viewer: Viewer, public_id: str, *, now: datetime
) -> bool:
    """Send the member (of this node) a kind message with the resources again; False when
    one is still unread. A member elsewhere is their own node's to write to."""
    report = await _open_care_report(session, viewer, public_id)
    member = await _cared_for(session, report)
    if member is None or not member.local:
        raise Conflict("this member is on another node: only their own node can write to them")
    return await send_kind_message(session, member_id=member.id, group_id=report.group_id, now=now)
