"""Loading a group as a viewer here, or another node, may see it, and its view.

A group hidden from a viewer (a private one they do not belong to, one on a domain
the federation policy hides) answers word for word as a missing one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions, topics
from node.actors import actor_ref, find_actor, split_acct
from node.errors import NotFound
from node.federation_policy.visibility import decision_for
from node.kinds import ActorKind, MembershipState, Visibility
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, GroupRule, Membership
from node.views import GroupView, MembershipView, RuleView, Viewer


@dataclass(frozen=True)
class GroupRecord:
    """A group as services use it internally: its rows and the viewer's membership."""

    actor: Actor
    group: Group
    membership: MembershipView | None


def membership_view(membership: Membership, group_actor: Actor, member: Actor) -> MembershipView:
    """A membership as services hand it out."""
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
    return membership_view(membership, group_actor, member)


_LOADED = "kinfolk.loaded_groups"


@contextmanager
def loaded_once(session: AsyncSession) -> Iterator[None]:
    """Within this block ``load_group`` reads each group once per viewer.

    A group's page asks several services about one group (its threads, moderators,
    meetings), and each loads the group and the viewer's membership again: four
    queries each time, a third of the page's statements. Only for blocks that read:
    a record kept across a write would still show the membership as it was."""
    session.info[_LOADED] = {}
    try:
        yield
    finally:
        session.info.pop(_LOADED, None)


async def load_group(
    session: AsyncSession, site: Site, viewer: Viewer | None, acct: str
) -> GroupRecord:
    """The group named ``name`` or ``name@domain``, as far as ``viewer`` may see it."""
    loaded: dict[tuple[int | None, str], GroupRecord] | None = session.info.get(_LOADED)
    key = (viewer.actor_id if viewer else None, acct)
    if loaded is not None and key in loaded:
        return loaded[key]
    record = await _load_group(session, site, viewer, acct)
    if loaded is not None:
        loaded[key] = record
    return record


async def _load_group(
    session: AsyncSession, site: Site, viewer: Viewer | None, acct: str
) -> GroupRecord:
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


async def rules_by_group(
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
    rules = await rules_by_group(session, [record.group.id])
    return group_view_with_rules(record, rules[record.group.id])


def group_view_with_rules(record: GroupRecord, rules: tuple[RuleView, ...]) -> GroupView:
    """The view of a group whose rules are read already (``rules_by_group``)."""
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
        default_topics=topics.from_stored(group.default_topics),
        allow_anonymous_posts=group.allow_anonymous_posts,
        trusted_nodes_only=group.trusted_nodes_only,
    )


async def get_group(
    session: AsyncSession, site: Site, viewer: Viewer | None, acct: str
) -> GroupView:
    """The group named ``acct``, as far as ``viewer`` may see it."""
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
