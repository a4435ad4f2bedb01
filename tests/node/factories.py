"""Small builders for domain tests: members, groups and posts on one node.

``Node.run`` runs one service call in its own committed transaction, as a request
would, so a test reads as the sequence of things people do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.groups import creation, membership
from node.kinds import MembershipState, NodeRole
from node.passwords import Passwords
from node.posts import writing
from node.site import Site
from node.storage.models.actors import Account, Actor
from node.storage.models.groups import Group, Membership
from node.views import GroupView, MembershipView, PostView, Viewer

T = TypeVar("T")

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Node:
    sessions: async_sessionmaker[AsyncSession]
    site: Site
    passwords: Passwords
    now: datetime

    async def run(self, call: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.sessions.begin() as session:
            return await call(session)

    async def member(self, handle: str, *, role: NodeRole = NodeRole.MEMBER) -> Viewer:
        async with self.sessions.begin() as session:
            account = await accounts.register(
                session,
                self.site,
                self.passwords,
                handle=handle,
                password=PASSWORD,
                role=role,
                now=self.now,
            )
            actor_id = await session.scalar(
                select(Account.actor_id).where(Account.id == account.id)
            )
        assert actor_id is not None
        return Viewer(account_id=account.id, actor_id=actor_id, role=role)

    async def group(self, owner: Viewer, handle: str, **options: Any) -> GroupView:
        return await self.run(
            lambda s: creation.create_group(
                s, self.site, owner, handle=handle, now=self.now, **options
            )
        )

    async def join(self, viewer: Viewer, group: str) -> MembershipView:
        return await self.run(
            lambda s: membership.join_group(s, self.site, viewer, group, now=self.now)
        )

    async def set_state(self, viewer: Viewer, group: str, state: MembershipState) -> None:
        """What a moderation action will do; set directly until that service exists."""
        async with self.sessions.begin() as session:
            group_id = await session.scalar(
                select(Group.id)
                .join(Actor, Group.actor_id == Actor.id)
                .where(Actor.handle_key == group.casefold())
            )
            await session.execute(
                update(Membership)
                .where(Membership.group_id == group_id, Membership.member_id == viewer.actor_id)
                .values(state=state)
            )

    async def post(
        self,
        viewer: Viewer,
        group: str,
        body: str = "Hello.",
        *,
        at: datetime | None = None,
        **options: Any,
    ) -> PostView:
        when = at or self.now
        return await self.run(
            lambda s: writing.create_post(
                s, self.site, viewer, group, body=body, now=when, **options
            )
        )

    async def reply(
        self, viewer: Viewer, parent: str, body: str = "Me too.", *, at: datetime | None = None
    ) -> PostView:
        when = at or self.now
        return await self.run(
            lambda s: writing.reply(s, self.site, viewer, parent, body=body, now=when)
        )
