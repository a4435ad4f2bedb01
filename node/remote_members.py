"""Membership decided across nodes: what a group's or a member's node tells us.

On the fediverse, joining a group is following it (FEP-1b12). When a member of
another node asks to join one of our groups, this node decides as the group's
home: at once for an open group, by a moderator for an approval group, never
for someone banned, nor (in a private group that admits members of trusted nodes only)
for someone whose node the admin has not marked trusted: turned down at once with
the reason (``TRUSTED_NODES_ONLY``), while members already in stay. When one of our
members asked to join a group elsewhere, that group's node decides, and we record its
answer. Every decision here that another node must hear of is recorded as an event
for federation to send.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node.events import EventKind, record
from node.federation_policy.trust import on_trusted_node
from node.kinds import GroupRole, JoinPolicy, MembershipState, NotificationKind
from node.notifications.recording import notify
from node.permissions import ban_has_ended
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership

# Why a request to join is turned down, told the member's node (the ``Reject``'s summary).
TRUSTED_NODES_ONLY = "This group admits members of this node and of trusted nodes only."


async def membership_of(session: AsyncSession, group: Group, member: Actor) -> Membership | None:
    return await session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.member_id == member.id)
    )


async def request_to_join(
    session: AsyncSession,
    group_actor: Actor,
    group: Group,
    member: Actor,
    *,
    follow_uri: str,
    now: datetime,
) -> MembershipState | None:
    """A member of another node asks to join our group; returns where they stand (None:
    turned down, as the group admits members of trusted nodes only).

    A repeated request (a retry, or a member whose node lost track) is answered
    again, so both sides agree; a banned member is turned down every time.
    """
    membership = await membership_of(session, group, member)
    if (
        membership is not None
        and membership.state is MembershipState.BANNED
        and ban_has_ended(membership.banned_until, now)
    ):
        await session.delete(membership)  # the ban has run its course
        await session.flush()
        membership = None
    banned = membership is not None and membership.state is MembershipState.BANNED
    untrusted = (
        membership is None
        and group.trusted_nodes_only
        and not await on_trusted_node(session, member)
    )
    if banned or untrusted:
        reason = {"reason": TRUSTED_NODES_ONLY} if untrusted else {}
        await record(
            session,
            EventKind.JOIN_REJECTED,
            actor_id=group_actor.id,
            subject_id=member.id,
            now=now,
            follow_uri=follow_uri,
            **reason,
        )
        return MembershipState.BANNED if banned else None
    if membership is None:
        state = (
            MembershipState.APPROVED
            if group.join_policy is JoinPolicy.OPEN
            else MembershipState.PENDING
        )
        membership = Membership(
            group_id=group.id,
            member_id=member.id,
            state=state,
            role=GroupRole.MEMBER,
            created_at=now,
            updated_at=now,
        )
        session.add(membership)
    membership.follow_uri = follow_uri
    await session.flush()
    if membership.state is MembershipState.APPROVED:
        await record(
            session,
            EventKind.JOIN_ACCEPTED,
            actor_id=group_actor.id,
            subject_id=membership.id,
            now=now,
        )
    return membership.state


async def withdraw(session: AsyncSession, group: Group, member: Actor) -> bool:
    """A member of another node left our group (or withdrew a request). A ban stays."""
    membership = await membership_of(session, group, member)
    if membership is None or membership.state is MembershipState.BANNED:
        return False
    await session.delete(membership)
    return True


async def answered(
    session: AsyncSession,
    group: Group,
    member: Actor,
    *,
    accepted: bool,
    reason: str = "",
    now: datetime,
) -> bool:
    """The group's node answered our member's request to join; False if none was pending.
    A refusal's ``reason`` (plain text, as the group's node gave it) is shown to the member,
    as a ban's is: "turned down" alone leaves them guessing whether to try again."""
    membership = await membership_of(session, group, member)
    if membership is None or membership.state is MembershipState.BANNED:
        return False
    if membership.state is MembershipState.PENDING:
        await notify(
            session,
            member.id,
            NotificationKind.JOIN_APPROVED if accepted else NotificationKind.JOIN_REJECTED,
            named=False,
            group_id=group.id,
            reason="" if accepted else reason.strip(),
            now=now,
        )
    if not accepted:
        await session.delete(membership)
        return True
    membership.state = MembershipState.APPROVED
    membership.updated_at = now
    return True


async def has_local_member(session: AsyncSession, group: Group) -> bool:
    """Whether a member of this node is an approved member of the group (one elsewhere:
    then its content has a reader here)."""
    found = await session.scalar(
        select(Membership.id)
        .join(Actor, Actor.id == Membership.member_id)
        .where(
            Membership.group_id == group.id,
            Membership.state == MembershipState.APPROVED,
            Actor.local.is_(True),
        )
        .limit(1)
    )
    return found is not None
