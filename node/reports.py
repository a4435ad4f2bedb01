"""Reports: a member tells moderators about a post or a member; reports from other nodes.

Design note. A report goes where the thing reported is moderated: a post in a group
hosted here to that group's moderators, and everything on this node to its staff
(admins and node moderators). A report made here about a post in a group hosted
elsewhere is also sent to that group's node (the group is moderated there, as in
Lemmy), and, if the reporter agrees (``forward``), to the node of the post's
author or of the member reported. What travels is a ``Flag`` from the node itself,
never naming the reporter (Mastodon's way): who reported stays on this node, shown
to its staff alone (``permissions.can_see_reporter``). The domain only records
that the report must travel (``EventKind.REPORT_FILED``); federation builds the Flag.

A ``Flag`` from another node becomes a report here for each thing it names that is
ours to moderate: a post in a group hosted here, or a post or member of this node.
One naming several posts (Mastodon lists an account and some of its posts) makes a
report per post, so each goes to its own group's moderators; the first keeps the
Flag's id, the next ones ``{id}#2``, ``{id}#3``…

Reporting the same post or member again while one's earlier report is still open is
refused (409), so a queue never fills with copies and no second Flag leaves.
Working a report (resolve, dismiss) is written to the moderation log: the group's
when the group is hosted here, else the node's own (no group). The moderator's note
stays with the report; the log, public for a public group, says only what was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions, rules
from node.actors import actor_ref, find_actor, split_acct
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.loading import load_group
from node.handles import check_length
from node.ids import new_public_id
from node.moderation import record_action
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.posts.visibility import load_post
from node.site import Site
from node.storage.models.actors import Actor, ActorKind
from node.storage.models.groups import Group, GroupRole, GroupRule, Membership, MembershipState
from node.storage.models.moderation import ModAction, NodeRule, Report, ReportState
from node.storage.models.posts import Post
from node.views import ActorRef, MembershipView, Viewer

REASON_MAX = 1000
NOTE_MAX = 1000
# A Flag names a handful of things; more than this is not a report but a flood.
FLAG_TARGETS_MAX = 20


@dataclass(frozen=True)
class CitedRule:
    """A rule a report cites (None once the rule is deleted)."""

    id: int
    title: str


@dataclass(frozen=True)
class ReportView:
    """A report as its viewer may see it. Node staff and the group's moderators see it
    whole (the reporter for staff only); the member who reported sees what they sent and
    its state (``full`` False: no note, no moderator)."""

    public_id: str
    state: ReportState
    local: bool
    target_uri: str
    # The post reported (its public id), if this node holds it.
    post: str | None
    # The member reported, or the post's author.
    target_actor: ActorRef | None
    # The group the post is in (hosted here or not).
    group: ActorRef | None
    reporter: ActorRef | None
    group_rule: CitedRule | None
    node_rule: CitedRule | None
    reason: str
    forward: bool
    forwarded_at: datetime | None
    resolution: str
    resolved_by: ActorRef | None
    resolved_at: datetime | None
    created_at: datetime
    full: bool


# --- filing a report --------------------------------------------------------------------


def _clean_reason(reason: str, cites_rule: bool) -> str:
    reason = check_length(reason.strip(), REASON_MAX, "reason")
    if not reason and not cites_rule:
        raise InvalidInput("say what is wrong, or cite a rule it breaks", field="reason")
    return reason


async def _refuse_repeat(session: AsyncSession, viewer: Viewer, target_uri: str) -> None:
    open_one = await session.scalar(
        select(Report.public_id).where(
            Report.reporter_id == viewer.actor_id,
            Report.target_uri == target_uri,
            Report.state == ReportState.OPEN,
        )
    )
    if open_one is not None:
        raise Conflict(f"you reported this already (report {open_one}), and it is still open")


async def file_report(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    *,
    post_id: str | None = None,
    acct: str | None = None,
    reason: str,
    group_rule_id: int | None = None,
    node_rule_id: int | None = None,
    forward: bool = False,
    now: datetime,
) -> ReportView:
    """Report a post (by its public id) or a member (by acct), saying why and optionally
    citing a rule; ``forward``: the reporter agrees that it be sent on, without their
    name, to the node the post's author or the member belongs to."""
    if (post_id is None) == (acct is None):
        raise InvalidInput("report either a post (post_id) or a member (acct)", field="post_id")
    node_rule = None if node_rule_id is None else await rules.node_rule(session, node_rule_id)
    group_rule: GroupRule | None = None
    post: Post | None = None
    group_id: int | None = None
    travels = False
    if post_id is not None:
        post, record = await load_post(session, viewer, post_id)
        if post.deleted_at is not None or post.removed_at is not None:
            raise Conflict("this post was deleted or removed already")
        target = await session.get_one(Actor, post.author_id)
        permissions.require_can_report(viewer, target.id)
        if group_rule_id is not None:
            group_rule = await rules.group_rule(session, post.group_id, group_rule_id)
        target_uri, group_id = post.uri, post.group_id
        travels = not record.actor.local
    else:
        assert acct is not None
        if group_rule_id is not None:
            raise InvalidInput(
                "only a report about a post cites its group's rule", field="group_rule_id"
            )
        handle, domain = split_acct(acct, site.domain)
        target = await find_actor(session, handle, domain, ActorKind.PERSON)
        permissions.require_can_report(viewer, target.id)
        target_uri = target.uri
    travels = travels or (forward and not target.local)
    clean = _clean_reason(reason, group_rule is not None or node_rule is not None)
    await _refuse_repeat(session, viewer, target_uri)
    public_id = new_public_id(now)
    report = Report(
        public_id=public_id,
        uri=site.report_uri(public_id),
        local=True,
        reporter_id=viewer.actor_id,
        group_id=group_id,
        target_uri=target_uri,
        target_post_id=None if post is None else post.id,
        target_actor_id=target.id,
        group_rule_id=None if group_rule is None else group_rule.id,
        node_rule_id=None if node_rule is None else node_rule.id,
        reason=clean,
        forward=forward,
        state=ReportState.OPEN,
        resolution="",
        created_at=now,
    )
    session.add(report)
    await session.flush()
    if travels:
        await record_event(
            session,
            EventKind.REPORT_FILED,
            actor_id=viewer.actor_id,
            subject_id=report.id,
            now=now,
        )
    return (await _views(session, viewer, [report], full=True))[0]


# --- reports from other nodes -----------------------------------------------------------


async def known_report(session: AsyncSession, uri: str) -> bool:
    """Whether a Flag with this id reached us already."""
    return await session.scalar(select(Report.id).where(Report.uri == uri)) is not None


async def receive_flag(
    session: AsyncSession,
    *,
    uri: str,
    reporter: Actor,
    targets: Sequence[str],
    reason: str,
    now: datetime,
) -> list[Report]:
    """A report from another node (its ``Flag``): one report per thing it names that is
    ours to moderate (see the module note); none if it names nothing of ours."""
    wanted = list(dict.fromkeys(targets))[:FLAG_TARGETS_MAX]
    if not wanted or await known_report(session, uri):
        return []
    held = {p.uri: p for p in await session.scalars(select(Post).where(Post.uri.in_(wanted)))}
    actors = {a.uri: a for a in await session.scalars(select(Actor).where(Actor.uri.in_(wanted)))}
    reason = reason.strip()[:REASON_MAX]
    made: list[Report] = []
    covered: set[int] = set()  # members whose posts are reported already

    def add(target_uri: str, author_id: int, post: Post | None, group_id: int | None) -> None:
        index = len(made)
        made.append(
            Report(
                public_id=new_public_id(now),
                uri=uri if index == 0 else f"{uri}#{index + 1}",
                local=False,
                reporter_id=reporter.id,
                group_id=group_id,
                target_uri=target_uri,
                target_post_id=None if post is None else post.id,
                target_actor_id=author_id,
                reason=reason,
                forward=False,
                state=ReportState.OPEN,
                resolution="",
                created_at=now,
            )
        )

    for target_uri in wanted:
        post = held.get(target_uri)
        if post is None or post.deleted_at is not None or post.removed_at is not None:
            continue
        group = await session.get_one(Group, post.group_id)
        group_actor = await session.get_one(Actor, group.actor_id)
        author = await session.get_one(Actor, post.author_id)
        if group_actor.local or author.local:
            add(post.uri, author.id, post, group.id)
            covered.add(author.id)
    for target_uri in wanted:
        member = actors.get(target_uri)
        if (
            member is not None
            and member.local
            and member.kind is ActorKind.PERSON
            and member.id not in covered
        ):
            add(member.uri, member.id, None, None)
    session.add_all(made)
    await session.flush()
    return made


# --- the queue --------------------------------------------------------------------------


async def _moderated_group_ids(session: AsyncSession, viewer: Viewer) -> list[int]:
    """The groups hosted here that ``viewer`` moderates."""
    return list(await session.scalars(_moderated_group_ids_query(viewer)))


def _moderated_group_ids_query(viewer: Viewer) -> Select[int]:
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
    found = await session.scalar(_moderated_group_ids_query(viewer).limit(1))
    return found is not None


async def moderated_groups(session: AsyncSession, viewer: Viewer) -> list[ActorRef]:
    """The groups hosted here that ``viewer`` moderates, by handle: what the moderation
    queue shows join requests and held posts of. The queue is for node staff and group
    moderators (as ``list_reports`` is): anyone else is refused."""
    group_ids = await _moderated_group_ids(session, viewer)
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
        items=await _views(session, viewer, rows[:limit], full=full), next_cursor=next_cursor
    )


async def list_reports(
    session: AsyncSession,
    viewer: Viewer,
    *,
    state: ReportState | None = ReportState.OPEN,
    mine: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ReportView]:
    """The reports ``viewer`` works, newest first: every report on this node for its
    staff, those about their groups for a group's moderators. ``mine``: the reports the
    viewer made, with their state."""
    if mine:
        condition: ColumnElement[bool] = Report.reporter_id == viewer.actor_id
    elif viewer.is_node_staff:
        condition = true()
    else:
        group_ids = await _moderated_group_ids(session, viewer)
        if not group_ids:
            raise PermissionDenied(
                "reports are for node staff and group moderators; see yours with mine=true"
            )
        condition = Report.group_id.in_(group_ids)
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
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[ReportView]:
    """The reports about one group's posts, for its moderators (where it is hosted here)
    and node staff."""
    record = await load_group(session, site, viewer, group_acct)
    moderates = permissions.moderates_here(record.membership, hosted_here=record.actor.local)
    if not permissions.can_work_report(viewer, moderates_group=moderates):
        raise PermissionDenied("only this group's moderators and node staff see its reports")
    return await _page(
        session,
        viewer,
        Report.group_id == record.group.id,
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


async def _load(session: AsyncSession, viewer: Viewer, public_id: str) -> tuple[Report, bool]:
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
    report, works = await _load(session, viewer, public_id)
    return (await _views(session, viewer, [report], full=works))[0]


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
    report, works = await _load(session, viewer, public_id)
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
    return (await _views(session, viewer, [report], full=True))[0]


# --- views ------------------------------------------------------------------------------


async def _views(
    session: AsyncSession, viewer: Viewer, reports: Sequence[Report], *, full: bool
) -> list[ReportView]:
    """Views for a page of reports, with related rows fetched in a few batched queries."""
    if not reports:
        return []
    group_ids = {r.group_id for r in reports if r.group_id is not None}
    groups = {
        g.id: g.actor_id
        for g in await session.scalars(select(Group).where(Group.id.in_(group_ids)))
    }
    actor_ids = {
        *groups.values(),
        *(r.target_actor_id for r in reports),
        *(r.reporter_id for r in reports),
        *(r.resolved_by_id for r in reports),
    }
    actor_ids.discard(None)
    actors = {
        a.id: actor_ref(a)
        for a in await session.scalars(select(Actor).where(Actor.id.in_(actor_ids)))
    }
    post_ids = {r.target_post_id for r in reports if r.target_post_id is not None}
    rows = await session.execute(select(Post.id, Post.public_id).where(Post.id.in_(post_ids)))
    public_ids = {post_id: public_id for post_id, public_id in rows}
    group_rules = await _titles(session, GroupRule, {r.group_rule_id for r in reports})
    node_rules = await _titles(session, NodeRule, {r.node_rule_id for r in reports})
    show_reporter = full and permissions.can_see_reporter(viewer)

    def actor(actor_id: int | None) -> ActorRef | None:
        return None if actor_id is None else actors.get(actor_id)

    return [
        ReportView(
            public_id=r.public_id,
            state=r.state,
            local=r.local,
            target_uri=r.target_uri,
            post=public_ids.get(r.target_post_id) if r.target_post_id is not None else None,
            target_actor=actor(r.target_actor_id),
            group=actor(groups.get(r.group_id)) if r.group_id is not None else None,
            reporter=actor(r.reporter_id) if show_reporter else None,
            group_rule=group_rules.get(r.group_rule_id) if r.group_rule_id else None,
            node_rule=node_rules.get(r.node_rule_id) if r.node_rule_id else None,
            reason=r.reason,
            forward=r.forward,
            forwarded_at=r.forwarded_at,
            resolution=r.resolution if full else "",
            resolved_by=actor(r.resolved_by_id) if full else None,
            resolved_at=r.resolved_at,
            created_at=r.created_at,
            full=full,
        )
        for r in reports
    ]


async def _titles(
    session: AsyncSession, model: type[GroupRule] | type[NodeRule], ids: set[int | None]
) -> dict[int, CitedRule]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.title).where(model.id.in_(wanted)))
    return {rule_id: CitedRule(rule_id, title) for rule_id, title in rows}
