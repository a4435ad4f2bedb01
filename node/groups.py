"""Support groups: creation, the directory, membership (join, leave, approval)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node import permissions
from node.actors import actor_ref, create_local_actor, find_actor, split_acct
from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.federation_policy.visibility import (
    DomainFilter,
    decision_for,
    decisions_for,
    without_hidden,
)
from node.handles import check_length, validate_handle
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.site import Site
from node.storage.models.actors import Actor, ActorKind
from node.storage.models.groups import (
    Group,
    GroupRole,
    GroupRule,
    JoinPolicy,
    Membership,
    MembershipState,
    RemoteModerator,
    Visibility,
)
from node.storage.models.moderation import ModAction
from node.views import ActorRef, GroupView, MembershipView, RuleView, Viewer

DISPLAY_NAME_MAX = 100
DESCRIPTION_MAX = 5000
RULES_MAX = 30
RULE_TITLE_MAX = 200
RULE_DESCRIPTION_MAX = 2000
CONTENT_WARNING_MAX = 500
LANGUAGE_MAX = 16


@dataclass(frozen=True)
class RuleInput:
    title: str
    description: str = ""


@dataclass(frozen=True)
class GroupRecord:
    """A group as services use it internally: its rows and the viewer's membership."""

    actor: Actor
    group: Group
    membership: MembershipView | None


def validate_language(language: str, field: str = "language") -> str:
    # BCP 47 tags are short letter/digit runs joined by '-'; we check shape, not registry.
    parts = language.split("-")
    if not language or len(language) > LANGUAGE_MAX or not all(p.isalnum() for p in parts):
        raise InvalidInput("use a language tag such as en, de or pt-BR", field=field)
    return language


def _validate_rules(rules: Sequence[RuleInput]) -> None:
    if len(rules) > RULES_MAX:
        raise InvalidInput(f"at most {RULES_MAX} rules", field="rules")
    for index, rule in enumerate(rules):
        check_length(rule.title.strip(), RULE_TITLE_MAX, f"rules[{index}].title", minimum=1)
        check_length(rule.description, RULE_DESCRIPTION_MAX, f"rules[{index}].description")


def _membership_view(membership: Membership, group_actor: Actor, member: Actor) -> MembershipView:
    return MembershipView(
        group=actor_ref(group_actor),
        member=actor_ref(member),
        state=membership.state,
        role=membership.role,
        created_at=membership.created_at,
    )


async def _viewer_membership(
    session: AsyncSession, viewer: Viewer | None, group: Group, group_actor: Actor
) -> MembershipView | None:
    if viewer is None:
        return None
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == group.id, Membership.member_id == viewer.actor_id
        )
    )
    if membership is None:
        return None
    member = await session.get_one(Actor, viewer.actor_id)
    return _membership_view(membership, group_actor, member)


async def load_group(
    session: AsyncSession, site: Site, viewer: Viewer | None, acct: str
) -> GroupRecord:
    """The group named ``name`` or ``name@domain``, as far as ``viewer`` may see it."""
    handle, domain = split_acct(acct, site.domain)
    actor = await find_actor(session, handle, domain, ActorKind.GROUP)
    try:
        return await group_record(session, viewer, actor)
    except NotFound:
        # A group hidden from this viewer answers word for word as a missing one.
        raise NotFound(f"no group called {handle!r} here") from None


async def group_record(session: AsyncSession, viewer: Viewer | None, actor: Actor) -> GroupRecord:
    """The group behind a group actor, as far as ``viewer`` may see it."""
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    if group is None or not await _domain_shown(session, actor):
        raise NotFound(f"no group called {actor.handle!r} here")
    permissions.require_group_visible(viewer, group.visibility)
    membership = await _viewer_membership(session, viewer, group, actor)
    return GroupRecord(actor=actor, group=group, membership=membership)


async def _domain_shown(session: AsyncSession, actor: Actor) -> bool:
    """A group hosted on a domain the federation policy hides is not there for anyone here
    (a limited domain's group still is, by its handle)."""
    decision = await decision_for(session, actor)
    return permissions.can_see_content_from(
        hidden=not decision.federates, limited=False, membership=None
    )


def _in_directory(shown: DomainFilter, mine: type[Membership]) -> ColumnElement[bool]:
    """The directory leaves out groups of hidden domains, and those of limited domains but
    for their approved members (``permissions.can_see_content_from``)."""
    condition: ColumnElement[bool] = true()
    if shown.hidden:
        condition = and_(condition, Actor.domain.not_in(sorted(shown.hidden)))
    if shown.limited:
        limited = Actor.domain.in_(sorted(shown.limited))
        condition = and_(condition, or_(~limited, mine.state == MembershipState.APPROVED))
    return condition


async def _directory_page(
    session: AsyncSession,
    statement: Select[Actor, Group, Membership],
    mine: type[Membership],
) -> Sequence[Row[Actor, Group, Membership]]:
    """A directory page without the groups ``_in_directory`` leaves out."""

    async def run(shown: DomainFilter) -> Sequence[Row[Actor, Group, Membership]]:
        return (await session.execute(statement.where(_in_directory(shown, mine)))).all()

    async def domains(rows: Sequence[Row[Actor, Group, Membership]]) -> set[str]:
        return {actor.domain for actor, _, _ in rows if not actor.local}

    return await without_hidden(session, run, domains)


async def _shown_members(
    session: AsyncSession, statement: Select[Membership, Actor]
) -> Sequence[Row[Membership, Actor]]:
    """A page of members without those of domains the federation policy hides."""

    async def run(shown: DomainFilter) -> Sequence[Row[Membership, Actor]]:
        condition = shown.actors_shown(Membership.member_id, limited_too=False)
        return (await session.execute(statement.where(condition))).all()

    async def domains(rows: Sequence[Row[Membership, Actor]]) -> set[str]:
        return {actor.domain for _, actor in rows if not actor.local}

    return await without_hidden(session, run, domains)


async def _rules_by_group(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, tuple[RuleView, ...]]:
    """The rules of several groups in one query (a directory page needs them all)."""
    rules: dict[int, list[RuleView]] = {group_id: [] for group_id in group_ids}
    rows = await session.scalars(
        select(GroupRule)
        .where(GroupRule.group_id.in_(group_ids))
        .order_by(GroupRule.group_id, GroupRule.position)
    )
    for rule in rows:
        rules[rule.group_id].append(RuleView(rule.position, rule.title, rule.description))
    return {group_id: tuple(items) for group_id, items in rules.items()}


async def _group_view(session: AsyncSession, record: GroupRecord) -> GroupView:
    rules = await _rules_by_group(session, [record.group.id])
    return _group_view_with_rules(record, rules[record.group.id])


def _group_view_with_rules(record: GroupRecord, rules: tuple[RuleView, ...]) -> GroupView:
    group = record.group
    return GroupView(
        actor=actor_ref(record.actor),
        description=record.actor.summary,
        visibility=group.visibility,
        join_policy=group.join_policy,
        default_content_warning=group.default_content_warning,
        language=group.language,
        posting_restricted_to_moderators=group.posting_restricted_to_moderators,
        rules=rules,
        created_at=record.actor.created_at,
        membership=record.membership,
        hide_moderator_names=group.hide_moderator_names,
        hold_new_members_posts=group.hold_new_members_posts,
    )


async def create_group(
    session: AsyncSession,
    site: Site,
    owner: Viewer,
    *,
    handle: str,
    display_name: str = "",
    description: str = "",
    rules: Sequence[RuleInput] = (),
    visibility: Visibility = Visibility.PUBLIC,
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    default_content_warning: str = "",
    language: str = "en",
    now: datetime,
) -> GroupView:
    """Create a local group; its creator becomes its owner."""
    validate_handle(handle, field="name")
    check_length(display_name, DISPLAY_NAME_MAX, "display_name")
    check_length(description, DESCRIPTION_MAX, "description")
    check_length(default_content_warning, CONTENT_WARNING_MAX, "default_content_warning")
    validate_language(language)
    _validate_rules(rules)
    actor = await create_local_actor(
        session,
        kind=ActorKind.GROUP,
        handle=handle,
        domain=site.domain,
        uri=site.group_uri(handle),
        display_name=display_name.strip(),
        summary=description,
        now=now,
        field="name",
    )
    group = Group(
        actor_id=actor.id,
        visibility=visibility,
        join_policy=join_policy,
        default_content_warning=default_content_warning.strip(),
        language=language,
        posting_restricted_to_moderators=False,
    )
    session.add(group)
    await session.flush()
    for position, rule in enumerate(rules, start=1):
        session.add(
            GroupRule(
                group_id=group.id,
                position=position,
                title=rule.title.strip(),
                description=rule.description.strip(),
            )
        )
    membership = Membership(
        group_id=group.id,
        member_id=owner.actor_id,
        state=MembershipState.APPROVED,
        role=GroupRole.OWNER,
        created_at=now,
        updated_at=now,
    )
    session.add(membership)
    await session.flush()
    owner_actor = await session.get_one(Actor, owner.actor_id)
    record = GroupRecord(actor, group, _membership_view(membership, actor, owner_actor))
    return await _group_view(session, record)


async def get_group(
    session: AsyncSession, site: Site, viewer: Viewer | None, acct: str
) -> GroupView:
    return await _group_view(session, await load_group(session, site, viewer, acct))


async def view_of(session: AsyncSession, record: GroupRecord) -> GroupView:
    """The view of a group already loaded with ``load_group``."""
    return await _group_view(session, record)


async def readable_by_node(
    session: AsyncSession, group: Group, group_actor: Actor, domain: str | None
) -> bool:
    """May the node at ``domain`` (``None``: an unsigned request) read this group's content?"""
    if group.visibility is Visibility.PUBLIC:
        return True
    if domain is None:
        return False
    hosts_member = await session.scalar(
        select(
            select(Membership.id)
            .join(Actor, Actor.id == Membership.member_id)
            .where(
                Membership.group_id == group.id,
                Membership.state == MembershipState.APPROVED,
                Actor.domain == domain,
            )
            .exists()
        )
    )
    return permissions.can_node_read(
        group.visibility, hosts_group=group_actor.domain == domain, hosts_member=bool(hosts_member)
    )


async def group_for_node(
    session: AsyncSession, site: Site, name: str, domain: str | None
) -> GroupRecord:
    """A group hosted here as another node may see it. A private group shows its "about"
    (name, description, inbox, keys) to any node that signs its request, so that people there
    can ask to join; to an unsigned request it does not exist."""
    actor = await find_actor(session, name, site.domain, ActorKind.GROUP)
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    if group is None or (group.visibility is not Visibility.PUBLIC and domain is None):
        raise NotFound(f"no group called {name!r} here")
    return GroupRecord(actor=actor, group=group, membership=None)


async def content_for_node(
    session: AsyncSession, site: Site, name: str, domain: str | None
) -> GroupRecord:
    """A group hosted here whose content (collections) the node at ``domain`` may read."""
    record = await group_for_node(session, site, name, domain)
    if not await readable_by_node(session, record.group, record.actor, domain):
        raise NotFound(f"no group called {name!r} here")
    return record


async def moderators(session: AsyncSession, group: Group) -> list[Actor]:
    """A group's moderators: for a group hosted here its approved owners and moderators,
    local or remote, longest-serving first; for one hosted elsewhere, those its node names
    (``mirror_moderators``), in its order."""
    if not (await session.get_one(Actor, group.actor_id)).local:
        mirrored = (
            select(Actor)
            .join(RemoteModerator, RemoteModerator.actor_id == Actor.id)
            .where(RemoteModerator.group_id == group.id)
            .order_by(RemoteModerator.position)
        )
        return list((await session.scalars(mirrored)).all())
    statement = (
        select(Actor)
        .join(Membership, Membership.member_id == Actor.id)
        .where(
            Membership.group_id == group.id,
            Membership.state == MembershipState.APPROVED,
            Membership.role.in_([GroupRole.OWNER, GroupRole.MODERATOR]),
        )
        .order_by(Membership.id)
    )
    return list((await session.scalars(statement)).all())


async def moderators_shown(
    session: AsyncSession, site: Site, viewer: Viewer | None, acct: str
) -> list[ActorRef] | None:
    """Who moderates a group, for anyone who may read its content; ``None`` when the group
    keeps its moderators' names from this viewer (``hide_moderator_names``)."""
    record = await load_group(session, site, viewer, acct)
    permissions.require_content_readable(record.group.visibility, record.membership)
    if not permissions.can_see_moderator_names(
        record.group.hide_moderator_names, viewer, record.membership
    ):
        return None
    shown = await _shown_actors(session, await moderators(session, record.group))
    return [actor_ref(actor) for actor in shown]


async def _shown_actors(session: AsyncSession, actors: list[Actor]) -> list[Actor]:
    """Without actors of domains the federation policy hides."""
    decisions = await decisions_for(session, {actor.domain for actor in actors if not actor.local})
    return [actor for actor in actors if actor.local or decisions[actor.domain].federates]


async def mirror_moderators(session: AsyncSession, group: Group, actors: Sequence[Actor]) -> None:
    """A group hosted elsewhere named its moderators (in its order): remember exactly those."""
    if (await session.get_one(Actor, group.actor_id)).local:
        raise PermissionDenied("a group hosted here has its own moderators")
    kept = list({actor.id: actor for actor in actors}.values())
    rows = {
        row.actor_id: row
        for row in await session.scalars(
            select(RemoteModerator).where(RemoteModerator.group_id == group.id)
        )
    }
    for actor_id, row in rows.items():
        if actor_id not in {actor.id for actor in kept}:
            await session.delete(row)
    for position, actor in enumerate(kept, start=1):
        if actor.id in rows:
            rows[actor.id].position = position
        else:
            session.add(RemoteModerator(group_id=group.id, actor_id=actor.id, position=position))
    await session.flush()


async def member_count(session: AsyncSession, group: Group) -> int:
    """Approved members, local and remote."""
    count = await session.scalar(
        select(func.count()).where(
            Membership.group_id == group.id, Membership.state == MembershipState.APPROVED
        )
    )
    return count or 0


async def list_groups(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    query: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[GroupView]:
    """The directory, alphabetical by handle: public groups, plus private groups the
    viewer belongs to. ``query`` matches handle or display name."""
    limit = check_limit(limit)
    mine = aliased(Membership)
    statement = (
        select(Actor, Group, mine)
        .join(Group, Group.actor_id == Actor.id)
        .outerjoin(
            mine,
            and_(
                mine.group_id == Group.id,
                mine.member_id == (viewer.actor_id if viewer else -1),
            ),
        )
        .where(
            or_(
                Group.visibility == Visibility.PUBLIC,
                mine.state == MembershipState.APPROVED,
            ),
        )
        .order_by(Actor.handle_key, Actor.id)
        .limit(limit + 1)
    )
    if query:
        # lower(), not casefold(), to fold the same way as the database; the query's own
        # '%', '_' and '\\' are taken literally.
        literal = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        statement = statement.where(
            or_(
                Actor.handle_key.like(pattern, escape="\\"),
                func.lower(Actor.display_name).like(pattern, escape="\\"),
            )
        )
    if cursor:
        key, actor_id = decode_cursor(cursor, str, int)
        statement = statement.where(
            or_(Actor.handle_key > key, and_(Actor.handle_key == key, Actor.id > actor_id))
        )
    rows = await _directory_page(session, statement, mine)
    viewer_actor = await session.get(Actor, viewer.actor_id) if viewer else None
    rules = await _rules_by_group(session, [group.id for _, group, _ in rows[:limit]])
    items = []
    for actor, group, membership in rows[:limit]:
        mine_view = (
            _membership_view(membership, actor, viewer_actor)
            if membership is not None and viewer_actor is not None
            else None
        )
        items.append(_group_view_with_rules(GroupRecord(actor, group, mine_view), rules[group.id]))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(last.handle_key, last.id)
    return Page(items=items, next_cursor=next_cursor)


async def join_group(
    session: AsyncSession, site: Site, viewer: Viewer, acct: str, *, now: datetime
) -> MembershipView:
    """Join an open group at once, or ask to join an approval group (pending).

    A group on another node decides for itself: the request stays pending until
    its answer arrives, and is recorded for federation to send.
    """
    record = await load_group(session, site, viewer, acct)
    if record.membership is not None and record.membership.state is MembershipState.BANNED:
        banned = await session.scalar(
            select(Membership).where(
                Membership.group_id == record.group.id, Membership.member_id == viewer.actor_id
            )
        )
        if banned is None or not permissions.ban_has_ended(banned.banned_until, now):
            raise PermissionDenied("you are banned from this group")
        await session.delete(banned)  # the ban has run its course
        await session.flush()
    elif record.membership is not None:
        return record.membership
    open_here = record.actor.local and record.group.join_policy is JoinPolicy.OPEN
    state = MembershipState.APPROVED if open_here else MembershipState.PENDING
    membership = Membership(
        group_id=record.group.id,
        member_id=viewer.actor_id,
        state=state,
        role=GroupRole.MEMBER,
        created_at=now,
        updated_at=now,
    )
    session.add(membership)
    await session.flush()
    if not record.actor.local:
        await record_event(
            session,
            EventKind.JOIN_REQUESTED,
            actor_id=viewer.actor_id,
            subject_id=membership.id,
            now=now,
        )
    member = await session.get_one(Actor, viewer.actor_id)
    return _membership_view(membership, record.actor, member)


async def leave_group(
    session: AsyncSession, site: Site, viewer: Viewer, acct: str, *, now: datetime
) -> None:
    """Leave a group or withdraw a request to join. A ban is not lifted by leaving, and
    the last owner must hand the group on first so it is never left ownerless."""
    record = await load_group(session, site, viewer, acct)
    if record.membership is None:
        raise NotFound("you are not a member of this group")
    if record.membership.state is MembershipState.BANNED:
        raise PermissionDenied("you are banned from this group; a ban is not lifted by leaving")
    if record.membership.role is GroupRole.OWNER:
        owners = await session.scalar(
            select(func.count()).where(
                Membership.group_id == record.group.id, Membership.role == GroupRole.OWNER
            )
        )
        if owners == 1:
            raise Conflict("you are this group's only owner; make someone else owner first")
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == record.group.id, Membership.member_id == viewer.actor_id
        )
    )
    if not record.actor.local:
        await record_event(
            session,
            EventKind.JOIN_WITHDRAWN,
            actor_id=viewer.actor_id,
            subject_id=record.actor.id,
            now=now,
            follow_uri=membership and membership.follow_uri,
        )
    await session.delete(membership)


async def list_members(
    session: AsyncSession,
    site: Site,
    viewer: Viewer | None,
    acct: str,
    *,
    state: MembershipState = MembershipState.APPROVED,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[MembershipView]:
    """Members of a group, oldest first, shown to its own members only (who belongs to
    a support group is confidential, public group or not). Pending requests and bans
    are for moderators."""
    limit = check_limit(limit)
    after = decode_cursor(cursor, int)[0] if cursor else None
    record = await load_group(session, site, viewer, acct)
    permissions.require_content_readable(record.group.visibility, record.membership)
    permissions.require_member_list_visible(record.membership)
    if state is not MembershipState.APPROVED:
        permissions.require_group_moderator(record.membership)
    statement = (
        select(Membership, Actor)
        .join(Actor, Membership.member_id == Actor.id)
        .where(
            Membership.group_id == record.group.id,
            Membership.state == state,
        )
        .order_by(Membership.id)
        .limit(limit + 1)
    )
    if after is not None:
        statement = statement.where(Membership.id > after)
    rows = await _shown_members(session, statement)
    items = [_membership_view(m, record.actor, a) for m, a in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1][0].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


async def decide_membership(
    session: AsyncSession,
    site: Site,
    moderator: Viewer,
    acct: str,
    member_acct: str,
    *,
    approve: bool,
    now: datetime,
) -> MembershipView | None:
    """A group moderator approves or rejects a pending request to join."""
    record = await load_group(session, site, moderator, acct)
    permissions.require_group_moderator(record.membership)
    handle, domain = split_acct(member_acct, site.domain)
    member = await find_actor(session, handle, domain, ActorKind.PERSON)
    membership = await session.scalar(
        select(Membership).where(
            Membership.group_id == record.group.id, Membership.member_id == member.id
        )
    )
    if membership is None or membership.state is not MembershipState.PENDING:
        raise NotFound(f"{member_acct!r} has no pending request to join")
    if record.actor.local:
        # Imported here: the moderation log's module builds on this one.
        from node.moderation import record_action

        action = ModAction.APPROVE_MEMBER if approve else ModAction.REJECT_MEMBER
        await record_action(
            session,
            record.group,
            action,
            moderator_id=moderator.actor_id,
            target_uri=member.uri,
            target_actor_id=member.id,
            now=now,
        )
    if not approve:
        if not member.local:
            await record_event(
                session,
                EventKind.JOIN_REJECTED,
                actor_id=record.actor.id,
                subject_id=member.id,
                now=now,
                follow_uri=membership.follow_uri,
            )
        await session.delete(membership)
        return None
    membership.state = MembershipState.APPROVED
    membership.updated_at = now
    if not member.local:
        await record_event(
            session,
            EventKind.JOIN_ACCEPTED,
            actor_id=record.actor.id,
            subject_id=membership.id,
            now=now,
        )
    return _membership_view(membership, record.actor, member)


async def upsert_remote_group(
    session: AsyncSession,
    actor: Actor,
    *,
    join_policy: JoinPolicy,
    posting_restricted_to_moderators: bool,
    visibility: Visibility = Visibility.PUBLIC,
    language: str | None = None,
) -> Group:
    """What we know of a group hosted elsewhere (its actor is already stored).

    Once known to be private, a group stays private here whatever a later, less
    explicit description says (see ``mark_private``): the safe way to be wrong.
    """
    group = await session.scalar(select(Group).where(Group.actor_id == actor.id))
    if group is None:
        group = Group(actor_id=actor.id, visibility=visibility)
        session.add(group)
    elif visibility is Visibility.PRIVATE:
        group.visibility = visibility
    group.join_policy = join_policy
    group.posting_restricted_to_moderators = posting_restricted_to_moderators
    group.language = language or group.language or "en"
    group.default_content_warning = group.default_content_warning or ""
    await session.flush()
    return group


async def mark_private(session: AsyncSession, group: Group) -> None:
    """A group elsewhere turned out to be private (its content reached us addressed to its
    members only): from now on its content here is for its members on this node only."""
    if group.visibility is not Visibility.PRIVATE:
        group.visibility = Visibility.PRIVATE
        await session.flush()
