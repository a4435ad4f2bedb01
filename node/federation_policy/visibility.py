"""What the federation policy hides on this node's pages and API.

Design note. ``node.federation_policy.decision.decide`` alone says what applies to a host,
and queries ask it through this module only. Two things follow from it:

- ``hidden`` domains (suspended, and in allowlist mode every domain not allowed):
  their groups and their actors' posts and memberships disappear here, whenever
  they were stored, and come back when the rule is lifted (nothing is deleted);
- ``limited`` domains: their groups stay out of the directory (an exact handle
  still finds them), and their actors' posts are shown only to approved members
  of the group a post is in.

A query cannot call ``decide`` row by row, and joining ``actors.domain`` against
``federation_rules`` would copy its matching into SQL (subdomains, ``*.``
wildcards, ports, the strictest rule winning, the mode), and costs seconds with
an imported blocklist of 10,000 rules (``bench/policy_listing.py``). Deciding
every remote domain the node knows first costs tens of milliseconds once it
knows thousands. So a page decides the domains on the page itself:
``without_hidden`` runs the page's query, decides the remote domains of its
rows (reading only the rules that could match them, ``policy_for_hosts``), and
only if some are hidden or limited runs it again leaving those out, until a
page holds none it has not decided. Pages cost a couple of small queries more;
a page of posts from many suspended domains costs one more query per page of
them. Everything is read in the caller's transaction, as queueing reads the
rules, so a change by ``kinfolk policy`` or the admin API applies to the next
request of every process, with no cache to go stale.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from node.federation_policy.decision import Decision, decide
from node.federation_policy.storage import policy_for_hosts
from node.storage.models.actors import Actor

T = TypeVar("T")

_FEDERATES = Decision(federates=True)


@dataclass(frozen=True)
class DomainFilter:
    """Remote domains whose content is hidden here, and those whose content is limited."""

    hidden: frozenset[str] = frozenset()
    limited: frozenset[str] = frozenset()

    def actors_shown(
        self, actor_id: InstrumentedAttribute[int], *, limited_too: bool
    ) -> ColumnElement[bool]:
        """A condition on ``actor_id`` (a post's author, a member): not an actor of a hidden
        domain, nor of a limited one if ``limited_too``."""
        domains = self.hidden | self.limited if limited_too else self.hidden
        if not domains:
            return true()
        return actor_id.not_in(select(Actor.id).where(Actor.domain.in_(sorted(domains))))


async def decisions_for(session: AsyncSession, domains: Iterable[str]) -> dict[str, Decision]:
    """What the policy says of each of ``domains`` (remote ones), in the caller's transaction."""
    wanted = set(domains)
    if not wanted:
        return {}
    policy = await policy_for_hosts(session, wanted)
    return {domain: decide(policy, domain) for domain in wanted}


async def decision_for(session: AsyncSession, actor: Actor) -> Decision:
    """What the policy says of one actor's domain (ours: nothing), for a single group or
    post; also where remote media will be handled (``reject_media``)."""
    if actor.local:
        return _FEDERATES
    return (await decisions_for(session, [actor.domain]))[actor.domain]


async def without_hidden(
    session: AsyncSession,
    run: Callable[[DomainFilter], Awaitable[Sequence[T]]],
    remote_domains: Callable[[Sequence[T]], Awaitable[Iterable[str]]],
) -> Sequence[T]:
    """A page without what the policy hides or limits. ``run`` runs the page's query leaving
    out what a filter names (it decides how: limited domains may stay for some viewers);
    ``remote_domains`` names the remote domains a page's rows come from."""
    shown, decided = DomainFilter(), set[str]()
    while True:
        rows = await run(shown)
        new = set(await remote_domains(rows)) - decided
        decisions = await decisions_for(session, new)
        decided |= new
        hidden = {d for d, dec in decisions.items() if not dec.federates}
        limited = {d for d, dec in decisions.items() if dec.federates and dec.limited}
        if not hidden and not limited:
            return rows
        shown = DomainFilter(shown.hidden | hidden, shown.limited | limited)


async def author_domains(session: AsyncSession, author_ids: Iterable[int]) -> set[str]:
    """The domains of the remote actors among ``author_ids``."""
    ids = set(author_ids)
    if not ids:
        return set()
    statement = select(Actor.domain).where(Actor.id.in_(ids), Actor.local.is_(False)).distinct()
    return set(await session.scalars(statement))
