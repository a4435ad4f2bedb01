"""Membership: joining and leaving a group, moderators deciding requests to join, who
the members are and who moderates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.actors import actor_ref, find_actor, split_acct
from node.errors import Conflict, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.federation_policy.visibility import DomainFilter, decisions_for, without_hidden
from node.groups.loading import load_group, membership_view
from node.kinds import (
    ActorKind,
    GroupRole,
    JoinPolicy,
    MembershipState,
    ModAction,
    NotificationKind,
)
from node.moderation import record_action
from node.notifications.recording import notify
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership, RemoteModerator
from node.views import ActorRef, MembershipView, Viewer


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
    return membership_view(membership, record.actor, member)


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
    await notify(
        session,
        member.id,
        NotificationKind.JOIN_APPROVED if approve else NotificationKind.JOIN_REJECTED,
        actor_id=moderator.actor_id,
        named=False,
        group_id=record.group.id,
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
    return membership_view(membership, record.actor, member)


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
    items = [membership_view(m, record.actor, a) for m, a in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1][0].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


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


async def member_count(session: AsyncSession, group: Group) -> int:
    """Approved members, local and remote."""
    count = await session.scalar(
        select(func.count()).where(
            Membership.group_id == group.id, Membership.state == MembershipState.APPROVED
        )
    )
    return count or 0


async def moderators(session: AsyncSession, group: Group) -> list[Actor]:
    """A group's moderators: for a group hosted here its approved owners and moderators,
    local or remote, longest-serving first; for one hosted elsewhere, those its node names
    (``remote_groups.mirror_moderators``), in its order."""
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
