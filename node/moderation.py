"""Group moderation: bans, and the log of every moderator action.

Each action a moderator takes in a group hosted here (removing a post, banning or
unbanning a member) is written to the group's moderation log in the transaction
that makes it: who, what, why, when. The log of a public group is public, as
Lemmy's modlog is; a private group's is for its moderators, since even the fact
that someone was banned from a support group says who belonged to it.

Bans travel too: a group elsewhere tells us when it bans (or unbans) one of our
members (``banned_elsewhere``), and we mark the membership so this node refuses
their posts to that group at once, before the group's node would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from node import permissions
from node.actors import actor_ref, find_actor, split_acct
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.events import EventKind
from node.events import record as record_event
from node.groups.loading import load_group
from node.handles import check_length
from node.kinds import (
    ActorKind,
    GroupRole,
    MembershipState,
    ModAction,
    NotificationKind,
    Visibility,
)
from node.notifications.recording import notify
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.moderation import ModerationEntry
from node.views import ActorRef, MembershipView, Viewer

REASON_MAX = 1000


@dataclass(frozen=True)
class LogEntryView:
    action: ModAction
    # None if the moderator's account is gone, or the group hides its moderators' names.
    moderator: ActorRef | None
    # The post or member acted on, by its URI (it outlives the row).
    target_uri: str
    target_actor: ActorRef | None
    reason: str
    expires_at: datetime | None
    created_at: datetime


def clean_reason(reason: str) -> str:
    return check_length(reason.strip(), REASON_MAX, "reason")


async def record_action(
    session: AsyncSession,
    group: Group | None,
    action: ModAction,
    *,
    moderator_id: int | None,
    target_uri: str,
    target_post_id: int | None = None,
    target_actor_id: int | None = None,
    reason: str = "",
    expires_at: datetime | None = None,
    now: datetime,
) -> None:
    """Write one moderator action to ``group``'s log (None: the node's own)."""
    session.add(
        ModerationEntry(
            group_id=None if group is None else group.id,
            moderator_id=moderator_id,
            action=action,
            target_uri=target_uri,
            target_post_id=target_post_id,
            target_actor_id=target_actor_id,
            reason=reason,
            expires_at=expires_at,
            created_at=now,
        )
    )
    await session.flush()


async def read_log(
    session: AsyncSession,
    which: ColumnElement[bool],
    *,
    named: bool,
    cursor: str | None,
    limit: int | None,
) -> Page[LogEntryView]:
    """A page of log entries (``which``: a group's, or the node's), newest first;
    ``named``: whether the reader may see who acted."""
    limit = check_limit(limit)
    moderator, target = aliased(Actor), aliased(Actor)
    statement = (
        select(ModerationEntry, moderator, target)
        .outerjoin(moderator, moderator.id == ModerationEntry.moderator_id)
        .outerjoin(target, target.id == ModerationEntry.target_actor_id)
        .where(which)
        .order_by(ModerationEntry.created_at.desc(), ModerationEntry.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        at, entry_id = decode_cursor(cursor, datetime, int)
        statement = statement.where(
            or_(
                ModerationEntry.created_at < at,
                and_(ModerationEntry.created_at == at, ModerationEntry.id < entry_id),
            )
        )
    rows = (await session.execute(statement)).all()
    items = [
        LogEntryView(
            action=entry.action,
            moderator=None if mod is None or not named else actor_ref(mod),
            target_uri=entry.target_uri,
            target_actor=None if who is None else actor_ref(who),
            reason=entry.reason,
            expires_at=entry.expires_at,
            created_at=entry.created_at,
        )
        for entry, mod, who in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(last.created_at, last.id)
    return Page(items=items, next_cursor=next_cursor)


async def list_log(
    session: AsyncSession,
    site: Site,
    viewer: Viewer | None,
    group_acct: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[LogEntryView]:
    """A group's moderation log, newest first: public for a public group, for its
    moderators only otherwise. A group that hides its moderators' names shows
    ``moderator`` as None ("a moderator") to all but its moderators and node staff."""
    check_limit(limit)
    record = await load_group(session, site, viewer, group_acct)
    if record.group.visibility is not Visibility.PUBLIC:
        permissions.require_group_moderator(record.membership)
    named = permissions.can_see_moderator_names(
        record.group.hide_moderator_names, viewer, record.membership
    )
    return await read_log(
        session,
        ModerationEntry.group_id == record.group.id,
        named=named,
        cursor=cursor,
        limit=limit,
    )


async def _moderated_here(
    session: AsyncSession, site: Site, moderator: Viewer, group_acct: str, member_acct: str
) -> tuple[Actor, Group, Actor]:
    record = await load_group(session, site, moderator, group_acct)
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node bans its members there")
    handle, domain = split_acct(member_acct, site.domain)
    member = await find_actor(session, handle, domain, ActorKind.PERSON)
    return record.actor, record.group, member


async def ban_member(
    session: AsyncSession,
    site: Site,
    moderator: Viewer,
    group_acct: str,
    member_acct: str,
    *,
    reason: str,
    until: datetime | None = None,
    now: datetime,
) -> MembershipView:
    """Ban someone from a group hosted here (member or not yet), for good or ``until``."""
    group_actor, group, member = await _moderated_here(
        session, site, moderator, group_acct, member_acct
    )
    reason = clean_reason(reason)
    if member.id == moderator.actor_id:
        raise InvalidInput("you cannot ban yourself", field="acct")
    if until is not None and until <= now:
        raise InvalidInput("a ban must end in the future (or never)", field="until")
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == member.id)
    )
    if membership is not None and membership.role is GroupRole.OWNER:
        raise PermissionDenied("a group's owner cannot be banned from it")
    if membership is None:
        membership = Membership(group_id=group.id, member_id=member.id, created_at=now)
        session.add(membership)
    membership.state = MembershipState.BANNED
    membership.role = GroupRole.MEMBER  # a banned moderator moderates no more
    membership.banned_until = until
    membership.updated_at = now
    await session.flush()
    await record_event(
        session,
        EventKind.MEMBER_BANNED,
        actor_id=moderator.actor_id,
        subject_id=membership.id,
        now=now,
        reason=reason,
        until=until.isoformat() if until else None,
    )
    await record_action(
        session,
        group,
        ModAction.BAN,
        moderator_id=moderator.actor_id,
        target_uri=member.uri,
        target_actor_id=member.id,
        reason=reason,
        expires_at=until,
        now=now,
    )
    await notify(
        session,
        member.id,
        NotificationKind.MEMBER_BANNED,
        actor_id=moderator.actor_id,
        named=False,
        group_id=group.id,
        reason=reason,
        now=now,
    )
    return MembershipView(
        group=actor_ref(group_actor),
        member=actor_ref(member),
        state=membership.state,
        role=membership.role,
        created_at=membership.created_at,
    )


async def unban_member(
    session: AsyncSession,
    site: Site,
    moderator: Viewer,
    group_acct: str,
    member_acct: str,
    *,
    reason: str = "",
    now: datetime,
) -> None:
    """Lift a ban: the member is no longer one, and may ask to join again."""
    group_actor, group, member = await _moderated_here(
        session, site, moderator, group_acct, member_acct
    )
    reason = clean_reason(reason)
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == member.id)
    )
    if membership is None or membership.state is not MembershipState.BANNED:
        raise NotFound(f"{member_acct!r} is not banned from this group")
    await session.delete(membership)
    await record_event(
        session,
        EventKind.MEMBER_UNBANNED,
        actor_id=moderator.actor_id,
        subject_id=member.id,
        now=now,
        group=group_actor.id,
        reason=reason,
    )
    await record_action(
        session,
        group,
        ModAction.UNBAN,
        moderator_id=moderator.actor_id,
        target_uri=member.uri,
        target_actor_id=member.id,
        reason=reason,
        now=now,
    )


async def banned_elsewhere(
    session: AsyncSession,
    group: Group,
    member: Actor,
    *,
    until: datetime | None,
    reason: str = "",
    now: datetime,
) -> None:
    """A group elsewhere banned one of our members: this node refuses their posts to it, and
    the member is told why."""
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == member.id)
    )
    if membership is None:
        membership = Membership(
            group_id=group.id, member_id=member.id, role=GroupRole.MEMBER, created_at=now
        )
        session.add(membership)
    was_banned = membership.state is MembershipState.BANNED
    membership.state = MembershipState.BANNED
    membership.banned_until = until
    membership.updated_at = now
    await session.flush()
    if not was_banned:
        await notify(
            session,
            member.id,
            NotificationKind.MEMBER_BANNED,
            named=False,
            group_id=group.id,
            reason=reason.strip(),
            now=now,
        )


async def unbanned_elsewhere(session: AsyncSession, group: Group, member: Actor) -> bool:
    """A group elsewhere lifted its ban on one of our members; False if none was known."""
    membership = await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == member.id)
    )
    if membership is None or membership.state is not MembershipState.BANNED:
        return False
    await session.delete(membership)
    return True
