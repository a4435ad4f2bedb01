"""The report queue: who works it, the reports it lists, and closing them (resolved or
dismissed), written to the group's moderation log or the node's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.actors import actor_ref
from node.errors import Conflict, NotFound, PermissionDenied
from node.groups.loading import load_group
from node.handles import check_length
from node.kinds import GroupRole, MembershipState, ModAction, ReportKind, ReportState
from node.moderation import record_action
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.reports.report_views import ReportView, views_of
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.moderation import Report
from node.views import ActorRef, MembershipView, Viewer

NOTE_MAX = 1000


async def moderated_group_ids(session: AsyncSession, viewer: Viewer) -> list[int]:
    """The groups hosted here that ``viewer`` moderates."""
    return list(await session.scalars(moderated_group_ids_query(viewer)))


def moderated_group_ids_query(viewer: Viewer) -> Select[int]:
    """The ids of the groups hosted here that ``viewer`` owns or moderates, as a query."""
    return (
        select(Group.id)
        .join(Actor, Actor.id == Group.actor_id)
        .join(Membership, Membership.group_id == Group.id)
        .where(
            Actor.local.is_(True),
            Membership.member_id == viewer.actor_id,
            Membership.state == MembershipState.APPROVED,
            Membership.role.in_([GroupRole.OWNER, GroupRole.MODERATOR]),
        )
    )


async def uses_queue(session: AsyncSession, viewer: Viewer) -> bool:
    """Whether the moderation queue is for ``viewer`` (what ``moderated_groups`` refuses
    otherwise): node staff, or a moderator of a group hosted here. One query at most."""
    if viewer.is_node_staff:
        return True
    found = await session.scalar(moderated_group_ids_query(viewer).limit(1))
    return found is not None


async def moderated_groups(session: AsyncSession, viewer: Viewer) -> list[ActorRef]:
    """The groups hosted here that ``viewer`` moderates, by handle: what the moderation
    queue shows join requests and held posts of. The queue is for node staff and group
    moderators (as ``list_reports`` is): anyone else is refused."""
    group_ids = await moderated_group_ids(session, viewer)
    if not group_ids and not viewer.is_node_staff:
        raise PermissionDenied("the moderation queue is for node staff and group moderators")
    actors = await session.scalars(
        select(Actor)
        .join(Group, Group.actor_id == Actor.id)
        .where(Group.id.in_(group_ids))
        .order_by(Actor.handle_key)
    )
    return [actor_ref(actor) for actor in actors]


async def _page(
    session: AsyncSession,
    viewer: Viewer,
    condition: ColumnElement[bool],
    *,
    state: ReportState | None,
    full: bool,
    cursor: str | None,
    limit: int | None,
) -> Page[ReportView]:
    """Reports matching ``condition`` (and ``state``, if given), newest first."""
    limit = check_limit(limit)
    statement = select(Report).where(condition).order_by(Report.created_at.desc(), Report.id.desc())
    if state is not None:
        statement = statement.where(Report.state == state)
    if cursor:
        at, report_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(Report.created_at < at, and_(Report.created_at == at, Report.id < report_id))
        )
    rows = list(await session.scalars(statement.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(
        items=await views_of(session, viewer, rows[:limit], full=full), next_cursor=next_cursor
    )


async def list_reports(
    session: AsyncSession,
    viewer: Viewer,
    *,
    state: ReportState | None = ReportState.OPEN,
    kind: ReportKind | None = None,
    mine: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ReportView]:
    """The reports ``viewer`` works, newest first: every report on this node for its
    staff, those about their groups for a group's moderators; of one ``kind`` if given.
    ``mine``: the reports the viewer made, with their state."""
    if mine:
        condition: ColumnElement[bool] = Report.reporter_id == viewer.actor_id
    elif viewer.is_node_staff:
        condition = true()
    else:
        group_ids = await moderated_group_ids(session, viewer)
        if not group_ids:
            raise PermissionDenied(
                "reports are for node staff and group moderators; see yours with mine=true"
            )
        condition = Report.group_id.in_(group_ids)
    if kind is not None:
        condition = and_(condition, Report.kind == kind)
    return await _page(
        session, viewer, condition, state=state, full=not mine, cursor=cursor, limit=limit
    )


async def list_group_reports(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    *,
    state: ReportState | None = ReportState.OPEN,
    kind: ReportKind | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ReportView]:
    """The reports about one group's posts, for its moderators (where it is hosted here)
    and node staff."""
    record = await load_group(session, site, viewer, group_acct)
    moderates = permissions.moderates_here(record.membership, hosted_here=record.actor.local)
    if not permissions.can_work_report(viewer, moderates_group=moderates):
        raise PermissionDenied("only this group's moderators and node staff see its reports")
    condition = Report.group_id == record.group.id
    if kind is not None:
        condition = and_(condition, Report.kind == kind)
    return await _page(
        session,
        viewer,
        condition,
        state=state,
        full=True,
        cursor=cursor,
        limit=limit,
    )


async def _membership_in(
    session: AsyncSession, viewer: Viewer, group_id: int
) -> tuple[MembershipView | None, bool]:
    """The viewer's membership of a report's group (as far as moderation needs it), and
    whether that group is hosted here."""
    group = await session.get_one(Group, group_id)
    group_actor = await session.get_one(Actor, group.actor_id)
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == group_id, Membership.member_id == viewer.actor_id
        )
    )
    if membership is None:
        return None, group_actor.local
    member = await session.get_one(Actor, viewer.actor_id)
    view = MembershipView(
        group=actor_ref(group_actor),
        member=actor_ref(member),
        state=membership.state,
        role=membership.role,
        created_at=membership.created_at,
    )
    return view, group_actor.local


async def load_report(session: AsyncSession, viewer: Viewer, public_id: str) -> tuple[Report, bool]:
    """A report and whether ``viewer`` works it (else they reported it); a report the viewer
    may not see answers as a missing one."""
    report = await session.scalar(select(Report).where(Report.public_id == public_id))
    if report is None:
        raise NotFound("no such report")
    moderates = False
    if report.group_id is not None:
        membership, hosted_here = await _membership_in(session, viewer, report.group_id)
        moderates = permissions.moderates_here(membership, hosted_here=hosted_here)
    if permissions.can_work_report(viewer, moderates_group=moderates):
        return report, True
    if permissions.can_follow_report(viewer, report.reporter_id):
        return report, False
    raise NotFound("no such report")


async def get_report(session: AsyncSession, viewer: Viewer, public_id: str) -> ReportView:
    report, works = await load_report(session, viewer, public_id)
    return (await views_of(session, viewer, [report], full=works))[0]


async def close_report(
    session: AsyncSession,
    viewer: Viewer,
    public_id: str,
    *,
    dismiss: bool,
    note: str = "",
    now: datetime,
) -> ReportView:
    """Resolve (acted on) or dismiss (left alone) an open report, with an optional note for
    the other moderators; logged in the group's log (hosted here) or the node's."""
    report, works = await load_report(session, viewer, public_id)
    if not works:
        raise PermissionDenied("only the moderators who see this report can close it")
    note = check_length(note.strip(), NOTE_MAX, "note")
    if report.state is not ReportState.OPEN:
        raise Conflict(f"this report is {report.state.value} already")
    report.state = ReportState.DISMISSED if dismiss else ReportState.RESOLVED
    report.resolution = note
    report.resolved_by_id = viewer.actor_id
    report.resolved_at = now
    group = None if report.group_id is None else await session.get_one(Group, report.group_id)
    if group is not None and not (await session.get_one(Actor, group.actor_id)).local:
        group = None  # moderated elsewhere: this node's own act
    if report.kind is ReportKind.CARE:
        group = None  # a group's log may be public: who was cared for is not
    await record_action(
        session,
        group,
        ModAction.DISMISS_REPORT if dismiss else ModAction.RESOLVE_REPORT,
        moderator_id=viewer.actor_id,
        target_uri=report.target_uri,
        target_post_id=report.target_post_id,
        target_actor_id=report.target_actor_id,
        now=now,
    )
    return (await views_of(session, viewer, [report], full=True))[0]
