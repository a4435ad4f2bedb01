"""Deleting an account of this node: what happens at once, in one transaction.

The member confirms with their password (``delete_own_account``); node staff acting on a
member's request from the command line need none (``delete_account``). Either way the
node's last admin is never deleted (the node would have no one left to run it), nor a
group's only owner (as leaving it, it would leave the group ownerless): they hand on
those first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node.account_deletion.audience import holders_of
from node.account_deletion.own_data import bulk, forget_own_data
from node.actors import actor_ref
from node.boundaries import closing
from node.errors import Conflict, InvalidInput, NotFound
from node.events import EventKind
from node.events import record as record_event
from node.handles import handle_key
from node.kinds import ConversationState, GroupRole, MembershipState, NodeRole
from node.meetings.attending import forget_participations
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Account, Actor, ApiToken, Follow
from node.storage.models.boundaries import ActorBlock, Mute, NodeBlock
from node.storage.models.groups import Group, Membership
from node.storage.models.posts import Reaction
from node.views import ActorRef, Viewer


class LastAdmin(Conflict):
    """The node's only admin asked to be deleted."""

    def __init__(self) -> None:
        super().__init__(
            "this is the node's only admin account: make another member an admin first, "
            "so that someone can still run the node"
        )


class SoleOwner(Conflict):
    """The member is the only owner of groups here, which would be left ownerless."""

    def __init__(self, groups: list[str]) -> None:
        super().__init__(
            f"this account is the only owner of {', '.join(groups)}: make someone else an "
            "owner first"
        )
        self.groups = groups


async def _end_conversations(session: AsyncSession, actor: Actor, now: datetime) -> None:
    """Close every open request and conversation of ``actor``: a request they were asked
    is declined, anything else ended; a partner elsewhere is told, as when they end one
    (and their Kinfolk node closes it on the actor's Delete anyway)."""
    for row in await closing.close_all_of(session, actor.id, now):
        partner_id = row.recipient_id if row.asker_id == actor.id else row.asker_id
        if not (await session.get_one(Actor, partner_id)).local:
            declined = row.state == ConversationState.DECLINED
            kind = EventKind.CONVERSATION_DECLINED if declined else EventKind.CONVERSATION_ENDED
            await record_event(session, kind, actor_id=actor.id, subject_id=row.id, now=now)


async def _cut_ties(session: AsyncSession, actor: Actor) -> None:
    """Memberships (a ban stays, as the moderators' record) and requests to join, follows
    either way, support given, and the member's own mutes and blocks."""
    await bulk(
        session,
        delete(Membership).where(
            Membership.member_id == actor.id, Membership.state != MembershipState.BANNED
        ),
    )
    await bulk(
        session,
        delete(Follow).where(or_(Follow.follower_id == actor.id, Follow.followee_id == actor.id)),
    )
    await bulk(session, delete(Reaction).where(Reaction.actor_id == actor.id))
    await bulk(session, delete(Mute).where(Mute.owner_id == actor.id))
    await bulk(session, delete(ActorBlock).where(ActorBlock.owner_id == actor.id))
    await bulk(session, delete(NodeBlock).where(NodeBlock.owner_id == actor.id))


async def _require_not_last_admin(session: AsyncSession, account: Account) -> None:
    if account.role != NodeRole.ADMIN:
        return
    admins = await session.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.role == NodeRole.ADMIN, Account.deleted_at.is_(None))
    )
    if (admins or 0) <= 1:
        raise LastAdmin()


async def _require_no_sole_ownership(session: AsyncSession, actor: Actor) -> None:
    owners = aliased(Membership)
    others = (
        select(owners.id)
        .where(
            owners.group_id == Membership.group_id,
            owners.role == GroupRole.OWNER,
            owners.member_id != actor.id,
        )
        .exists()
    )
    owned = await session.scalars(
        select(Actor.handle)
        .join(Group, Group.actor_id == Actor.id)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.member_id == actor.id, Membership.role == GroupRole.OWNER, ~others)
        .order_by(Actor.handle)
    )
    groups = list(owned)
    if groups:
        raise SoleOwner(groups)


async def _delete(session: AsyncSession, account: Account, now: datetime) -> ActorRef:
    if account.deleted_at is not None:
        raise NotFound("this account was deleted already")
    await _require_not_last_admin(session, account)
    actor = await session.get_one(Actor, account.actor_id)
    await _require_no_sole_ownership(session, actor)
    audience = await holders_of(session, actor.id)  # before the ties that say so are cut
    await _end_conversations(session, actor, now)
    await _cut_ties(session, actor)
    await bulk(session, delete(ApiToken).where(ApiToken.account_id == account.id))
    await forget_participations(session, actor.id, now=now)  # their places go to the next
    await forget_own_data(session, account, actor)
    account.deleted_at = now
    account.password_hash = ""  # nothing signs in as it again, even with the old password
    account.crisis_country = ""
    actor.display_name = ""
    actor.summary = ""
    actor.updated_at = now
    # Last, so the conversations' ends go out before the actor's Delete.
    await record_event(
        session, EventKind.ACCOUNT_DELETED, actor_id=actor.id, now=now, audience=audience
    )
    await session.flush()
    return actor_ref(actor)


async def delete_own_account(
    session: AsyncSession, passwords: Passwords, viewer: Viewer, password: str, *, now: datetime
) -> ActorRef:
    """The member deletes their own account, confirming with their password (a wrong one
    changes nothing). Their posts are wiped afterwards, in batches (``wiping``)."""
    account = await session.get_one(Account, viewer.account_id)
    if account.deleted_at is not None or not await passwords.verify(
        account.password_hash, password
    ):
        raise InvalidInput("that is not your password", field="password")
    return await _delete(session, account, now)


async def delete_account(
    session: AsyncSession, site: Site, handle: str, *, now: datetime
) -> ActorRef:
    """Delete the account called ``handle`` for its member, who asked the node's operator
    (the command line: the shell is trusted)."""
    account = await session.scalar(
        select(Account)
        .join(Actor, Account.actor_id == Actor.id)
        .where(Actor.domain == site.domain, Actor.handle_key == handle_key(handle))
    )
    if account is None:
        raise NotFound(f"no account called {handle!r} here", field="username")
    return await _delete(session, account, now)
