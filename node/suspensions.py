"""Suspending accounts of this node, and the node's own moderation log.

Design note. Node staff suspend a member of this node, saying why, and lift the
suspension later. A suspended account cannot sign in or use the tokens it holds
(``node.accounts``); its posts are hidden like removed ones (tombstones, whole only to the group's
moderators and node staff who ask: ``node.posts``);
its actor tells other nodes ``suspended`` and nothing is delivered for it
(``federation``). Nothing is deleted, so lifting the suspension brings it all
back. Both acts go to the moderation log as node-level entries (no group),
which node staff read with ``list_node_log``.

``moderator`` is None when the node's operator acts from the command line: the
shell is trusted, and the log then names no one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from node import moderation, permissions
from node.actors import actor_ref, split_acct
from node.errors import Conflict, InvalidInput, NotFound
from node.handles import handle_key
from node.kinds import ModAction, NodeRole
from node.moderation import LogEntryView, read_log
from node.pagination import Page
from node.site import Site
from node.storage.models.actors import Account, Actor
from node.storage.models.moderation import ModerationEntry
from node.views import ActorRef, Viewer


@dataclass(frozen=True)
class AccountStatus:
    actor: ActorRef
    role: NodeRole
    suspended_at: datetime | None


def suspended_actors() -> Select[int]:
    """The actor ids of suspended accounts, for queries to leave their content out; and
    of deleted ones (``node.account_deletion``), whose content is hidden alike until it
    is wiped."""
    return select(Account.actor_id).where(
        or_(Account.suspended_at.is_not(None), Account.deleted_at.is_not(None))
    )


async def suspended_among(session: AsyncSession, actor_ids: Iterable[int]) -> set[int]:
    """Those of ``actor_ids`` that are suspended (or deleted) accounts of this node."""
    ids = set(actor_ids)
    if not ids:
        return set()
    return set(await session.scalars(suspended_actors().where(Account.actor_id.in_(ids))))


async def silenced_among(session: AsyncSession, actor_ids: Iterable[int]) -> set[int]:
    """Those of ``actor_ids`` that are suspended and not deleted: nothing goes out for
    them. A deleted account's ``Delete``s still go, suspended or not."""
    ids = set(actor_ids)
    if not ids:
        return set()
    statement = select(Account.actor_id).where(
        Account.actor_id.in_(ids),
        Account.suspended_at.is_not(None),
        Account.deleted_at.is_(None),
    )
    return set(await session.scalars(statement))


async def deleted_among(session: AsyncSession, actor_ids: Iterable[int | None]) -> set[int]:
    """Those of ``actor_ids`` that are accounts of this node their members deleted."""
    ids = {i for i in actor_ids if i is not None}
    if not ids:
        return set()
    statement = select(Account.actor_id).where(
        Account.actor_id.in_(ids), Account.deleted_at.is_not(None)
    )
    return set(await session.scalars(statement))


async def is_deleted(session: AsyncSession, actor: Actor) -> bool:
    """Whether ``actor`` is an account of this node its member deleted."""
    if not actor.local:
        return False
    deleted_at = await session.scalar(
        select(Account.deleted_at).where(Account.actor_id == actor.id)
    )
    return deleted_at is not None


async def is_suspended(session: AsyncSession, actor: Actor) -> bool:
    """Whether ``actor`` is a suspended account of this node (remote actors never are)."""
    if not actor.local:
        return False
    suspended_at = await session.scalar(
        select(Account.suspended_at).where(Account.actor_id == actor.id)
    )
    return suspended_at is not None


async def _local_account(session: AsyncSession, site: Site, acct: str) -> tuple[Account, Actor]:
    handle, domain = split_acct(acct, site.domain)
    if domain != site.domain:
        raise InvalidInput(
            f"{acct!r} is not an account of this node: another node's member is kept out "
            "by a group ban or the federation policy",
            field="acct",
        )
    row = (
        await session.execute(
            select(Account, Actor)
            .join(Actor, Account.actor_id == Actor.id)
            .where(Actor.domain == site.domain, Actor.handle_key == handle_key(handle))
        )
    ).first()
    if row is None:
        raise NotFound(f"no account called {handle!r} here", field="acct")
    return row[0], row[1]


async def _change(
    session: AsyncSession,
    site: Site,
    moderator: Viewer | None,
    acct: str,
    *,
    suspend: bool,
    reason: str,
    now: datetime,
) -> AccountStatus:
    reason = moderation.clean_reason(reason)
    account, actor = await _local_account(session, site, acct)
    if moderator is not None:
        permissions.require_can_suspend(moderator, actor.id, account.role)
    if suspend and account.suspended_at is not None:
        raise Conflict(f"@{actor.handle} is already suspended")
    if not suspend and account.suspended_at is None:
        raise NotFound(f"@{actor.handle} is not suspended")
    account.suspended_at = now if suspend else None
    await moderation.record_action(
        session,
        None,
        ModAction.SUSPEND if suspend else ModAction.UNSUSPEND,
        moderator_id=None if moderator is None else moderator.actor_id,
        target_uri=actor.uri,
        target_actor_id=actor.id,
        reason=reason,
        now=now,
    )
    return AccountStatus(actor_ref(actor), account.role, account.suspended_at)


async def suspend_account(
    session: AsyncSession,
    site: Site,
    moderator: Viewer | None,
    acct: str,
    *,
    reason: str,
    now: datetime,
) -> AccountStatus:
    """Suspend a member of this node, saying why (``moderator`` None: the command line)."""
    return await _change(session, site, moderator, acct, suspend=True, reason=reason, now=now)


async def unsuspend_account(
    session: AsyncSession,
    site: Site,
    moderator: Viewer | None,
    acct: str,
    *,
    reason: str = "",
    now: datetime,
) -> AccountStatus:
    """Lift a suspension: the account signs in again and its posts are shown again."""
    return await _change(session, site, moderator, acct, suspend=False, reason=reason, now=now)


async def list_node_log(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[LogEntryView]:
    """The node-level moderation log (entries of no group), newest first, for node staff
    (``viewer`` None: the command line)."""
    if viewer is not None:
        permissions.require_node_staff(viewer)
    return await read_log(
        session, ModerationEntry.group_id.is_(None), named=True, cursor=cursor, limit=limit
    )
