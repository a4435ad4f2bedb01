"""Storing the federation policy: mode, rules, imports, and the ties a suspension cuts."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import remote_members
from node.actors import upsert_remote_actor
from node.errors import InvalidInput, NotFound
from node.federation_policy import storage
from node.federation_policy.decision import Mode, Rule, Severity, decide, rules_from_csv
from node.kinds import ActorKind
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def test_rules_are_set_merged_listed_and_removed(node: Node) -> None:
    async with node.sessions.begin() as session:
        assert await storage.get_mode(session) is Mode.BLOCKLIST
        await storage.set_rule(
            session, "Bad.Example", "limit", reason="spam", private_reason="ticket 12", now=node.now
        )
        await storage.set_rule(session, "bad.example", "reject-media", now=node.now)
        await storage.set_rule(session, "friend.example", "allow", now=node.now)
        assert await storage.set_mode(session, "allowlist", now=node.now) is Mode.ALLOWLIST
    async with node.sessions.begin() as session:
        policy = await storage.load_policy(session)
        assert policy.mode is Mode.ALLOWLIST
        assert await storage.list_rules(session) == [
            Rule(
                "bad.example",
                Severity.LIMIT,
                reject_media=True,
                public_comment="spam",
                private_comment="ticket 12",
            ),
            Rule("friend.example", allow=True),
        ]
        assert decide(policy, "friend.example").federates
        assert not decide(policy, "bad.example").federates  # not allowed
        near = await storage.policy_for_hosts(session, ["sub.bad.example:443"])
        assert list(near.rules) == ["bad.example"]
        await storage.remove_rule(session, "bad.example")
        with pytest.raises(NotFound):
            await storage.remove_rule(session, "bad.example")
        with pytest.raises(InvalidInput):
            await storage.set_rule(session, "x.example", "obliterate", now=node.now)
        with pytest.raises(InvalidInput):
            await storage.set_mode(session, "closed", now=node.now)


async def test_an_import_merges_in_batches_and_keeps_allows_and_private_notes(node: Node) -> None:
    async with node.sessions.begin() as session:
        await storage.set_rule(session, "d1.example", "allow", private_reason="kept", now=node.now)
        csv = ["#domain,#severity,#public_comment"] + [
            f"d{i}.example,suspend,bulk" for i in range(250)
        ]
        seen: list[int] = []
        imported = await storage.import_rules(
            session, rules_from_csv(csv), now=node.now, progress=seen.append, batch=100
        )
        assert imported == 250
        assert seen == [100, 200, 250]
    async with node.sessions.begin() as session:
        rules = {r.domain: r for r in await storage.list_rules(session)}
        assert len(rules) == 250
        assert rules["d1.example"] == Rule(
            "d1.example",
            Severity.SUSPEND,
            allow=True,
            public_comment="bulk",
            private_comment="kept",
        )


async def test_suspending_a_domain_cuts_its_members_and_our_members_in_its_groups(
    node: Node,
) -> None:
    mo = await node.member("mo")
    await node.group(mo, "circle")
    async with node.sessions.begin() as session:
        group_actor = await session.scalar(select(Actor).where(Actor.handle_key == "circle"))
        assert group_actor is not None
        group = await session.scalar(select(Group).where(Group.actor_id == group_actor.id))
        assert group is not None
        for domain in ("bad.example", "good.example"):
            pat = await upsert_remote_actor(
                session,
                uri=f"https://{domain}/users/pat",
                kind=ActorKind.PERSON,
                handle="pat",
                domain=domain,
                display_name="Pat",
                summary="",
                now=node.now,
            )
            await remote_members.request_to_join(
                session, group_actor, group, pat, follow_uri=f"https://{domain}/f/1", now=node.now
            )
        await storage.set_rule(session, "bad.example", "suspend", now=node.now)
        cut = await storage.cut_refused_ties(session)
        assert (cut.domains, cut.memberships) == (["bad.example"], 1)
        members = await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.group_id == group.id)
        )
        assert members == 2  # mo and the member from good.example
