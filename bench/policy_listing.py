"""Issue 5: what federation policy costs a listing, with a 10,000-domain blocklist.

Design note: pages and the API leave out content of suspended (and, for
non-members, limited) domains by deciding the remote domains on the page itself
(``node.federation_policy.visibility.without_hidden``: the page's query, the domains of
its rows, only the rules that could match them, and the query again without
the hidden ones when there are any). This measures, on a database holding
10,000 rules (9,000 suspensions, 500 limits, 500 ``*.`` wildcards) and 20,000
remote actors on 2,000 domains (a fifth of them suspended, a tenth limited)
who wrote half of one group's 5,000 posts (so most pages hold hidden posts and
are run twice):

- a page of 20 threads, and of the group directory, with the policy enforced,
  and with the mode ``open`` (rules kept, nothing decided: the cost without it);
- deciding all 2,000 known domains at once (the approach first tried: a filter
  computed over every domain the node knows);
- the thread page filtered by joining ``actors.domain`` against
  ``federation_rules`` in SQL (exact and parent-domain suffix matches only, so
  less than the policy decides), the approach not taken.

``python -m bench.policy_listing [--actors 20000] [--domains 2000] [--backends sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bench import DEFAULT_POSTGRES_URL, each_backend, percentile, report
from node.federation_policy import storage
from node.federation_policy.decision import Decision, Rule, Severity
from node.federation_policy.visibility import decisions_for
from node.groups.directory import list_groups
from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, Visibility
from node.posts import reading
from node.site import Site
from node.storage.engine import create_sessionmaker
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.storage.models.node_settings import FederationRule
from node.storage.models.posts import Post
from web import event_loop

SITE = Site("http://node.bench")
POSTS = 5_000
RUNS = 200


def _rules(count: int) -> list[Rule]:
    """9/10 suspensions, 1/20 limits, 1/20 wildcards; the domains the actors live on are
    among them (every fifth suspended, every tenth-plus-one limited)."""
    rules = []
    for i in range(count):
        if i % 20 == 19:
            rules.append(Rule(f"*.wild{i}.example", Severity.SUSPEND, public_comment="bulk"))
        elif i % 20 == 18:
            rules.append(Rule(f"d{i}.example", Severity.LIMIT))
        else:
            rules.append(Rule(f"d{i}.example", Severity.SUSPEND, public_comment="bulk"))
    return rules


def _domain(i: int) -> str:
    """Actor domains: every fifth a suspended rule's, every tenth-plus-8 a limited one's (as
    numbered in ``_rules``), the rest unlisted."""
    if i % 5 == 0:
        return f"d{(i // 5 * 20) % 9_000}.example"  # a multiple of 20: a suspension
    if i % 10 == 8:
        return f"d{(i // 10 * 20 + 18) % 10_000}.example"  # 18 after one: a limit
    return f"ok{i}.example"


async def _seed(
    sessions: async_sessionmaker[AsyncSession], actors: int, domains: int, now: datetime
) -> None:
    async with sessions.begin() as session:
        owner = Actor(
            uri=SITE.member_uri("mo"),
            kind=ActorKind.PERSON,
            local=True,
            handle="mo",
            handle_key="mo",
            domain=SITE.domain,
            created_at=now,
            updated_at=now,
        )
        circle = Actor(
            uri=SITE.group_uri("circle"),
            kind=ActorKind.GROUP,
            local=True,
            handle="circle",
            handle_key="circle",
            domain=SITE.domain,
            created_at=now,
            updated_at=now,
        )
        session.add_all([owner, circle])
        await session.flush()
        group = Group(actor_id=circle.id, visibility=Visibility.PUBLIC, join_policy=JoinPolicy.OPEN)
        session.add(group)
        await session.flush()
        session.add(
            Membership(
                group_id=group.id,
                member_id=owner.id,
                role=GroupRole.OWNER,
                state=MembershipState.APPROVED,
                created_at=now,
                updated_at=now,
            )
        )
        rows = [
            {
                "uri": f"https://{_domain(i % domains)}/u/{i}",
                "kind": ActorKind.GROUP if i % 100 == 0 else ActorKind.PERSON,
                "local": False,
                "handle": f"u{i}",
                "handle_key": f"u{i}",
                "domain": _domain(i % domains),
                "display_name": "",
                "summary": "",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(actors)
        ]
        await session.execute(insert(Actor), rows)
        remote = list(
            await session.execute(select(Actor.id, Actor.kind).where(Actor.local.is_(False)))
        )
        await session.execute(
            insert(Group),
            [
                {
                    "actor_id": actor_id,
                    "visibility": Visibility.PUBLIC,
                    "join_policy": JoinPolicy.OPEN,
                    "default_content_warning": "",
                    "language": "en",
                    "posting_restricted_to_moderators": False,
                    "hide_moderator_names": False,
                    "hold_new_members_posts": False,
                }
                for actor_id, kind in remote
                if kind is ActorKind.GROUP
            ],
        )
        authors = [actor_id for actor_id, kind in remote if kind is ActorKind.PERSON]
        await session.execute(
            insert(Post),
            [
                {
                    "public_id": f"p{i:08d}",
                    "uri": f"https://x.example/p/{i}",
                    "local": i % 2 == 0,
                    "author_id": owner.id if i % 2 == 0 else authors[i % len(authors)],
                    "group_id": group.id,
                    "title": f"t{i}",
                    "content_html": "<p>x</p>",
                    "content_warning": "",
                    "language": "en",
                    "published_at": now - timedelta(seconds=i),
                }
                for i in range(POSTS)
            ],
        )
        await storage.import_rules(session, _rules(10_000), now=now)


async def _time(
    sessions: async_sessionmaker[AsyncSession],
    call: Callable[[AsyncSession], Awaitable[Any]],
    runs: int = RUNS,
) -> list[float]:
    timings = []
    for _ in range(runs):
        async with sessions() as session:
            started = time.perf_counter()
            await call(session)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _ms(timings: list[float]) -> str:
    return f"p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 95):.1f} ms"


async def _sql_join_page(session: AsyncSession) -> None:
    """The approach not taken: the thread page joined against the rules in SQL."""
    author = aliased(Actor)
    suspended = (
        select(FederationRule.domain)
        .where(
            FederationRule.severity == "suspend",
            or_(
                author.domain == FederationRule.domain,
                author.domain.like(literal("%.") + FederationRule.domain),
            ),
        )
        .exists()
    )
    group_id = (
        select(Group.id)
        .join(Actor, Actor.id == Group.actor_id)
        .where(Actor.handle_key == "circle", Actor.local.is_(True))
    )
    statement = (
        select(Post)
        .join(author, author.id == Post.author_id)
        .where(Post.group_id.in_(group_id), Post.in_reply_to_id.is_(None), not_(suspended))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(21)
    )
    await session.execute(statement)


async def run(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    async for database in each_backend(args, "policy listing"):
        engine = database.engine()
        sessions = create_sessionmaker(engine)
        await _seed(sessions, args.actors, args.domains, now)

        async def every_domain(session: AsyncSession) -> dict[str, Decision]:
            known = select(Actor.domain).where(Actor.local.is_(False)).distinct()
            return await decisions_for(session, await session.scalars(known))

        async with sessions() as session:
            decided = await every_domain(session)
        hidden = sum(not d.federates for d in decided.values())
        limited = sum(d.federates and d.limited for d in decided.values())

        async def threads(session: AsyncSession) -> None:
            await reading.list_threads(session, SITE, None, "circle")

        async def directory(session: AsyncSession) -> None:
            await list_groups(session, None)

        rows = [
            ("rules / remote actors / their domains", f"10000 / {args.actors} / {args.domains}"),
            ("hidden / limited domains", f"{hidden} / {limited}"),
            ("20 threads, policy enforced", _ms(await _time(sessions, threads))),
            ("directory page, policy enforced", _ms(await _time(sessions, directory))),
            ("deciding every known domain", _ms(await _time(sessions, every_domain, runs=50))),
        ]
        async with sessions.begin() as session:
            await storage.set_mode(session, "open", now=now)
        rows += [
            ("20 threads, mode open (no filter)", _ms(await _time(sessions, threads))),
            ("directory page, mode open", _ms(await _time(sessions, directory))),
            (
                "20 threads by a SQL join on the rules (5 runs)",
                _ms(await _time(sessions, _sql_join_page, runs=5)),
            ),
        ]
        await engine.dispose()
        report(f"policy listing, {database.backend}", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=20_000)
    parser.add_argument("--domains", type=int, default=2_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    event_loop.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
