"""Creating a group here: its actor, settings and rules, with its creator as owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import create_local_actor
from node.errors import InvalidInput
from node.groups.limits import (
    CONTENT_WARNING_MAX,
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    RULE_DESCRIPTION_MAX,
    RULE_TITLE_MAX,
    RULES_MAX,
    validate_language,
)
from node.groups.loading import GroupRecord, membership_view, view_of
from node.handles import check_length, validate_handle
from node.kinds import ActorKind, GroupRole, JoinPolicy, MembershipState, Visibility
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, GroupRule, Membership
from node.views import GroupView, Viewer


@dataclass(frozen=True)
class RuleInput:
    title: str
    description: str = ""


def _validate_rules(rules: Sequence[RuleInput]) -> None:
    if len(rules) > RULES_MAX:
        raise InvalidInput(f"at most {RULES_MAX} rules", field="rules")
    for index, rule in enumerate(rules):
        check_length(rule.title.strip(), RULE_TITLE_MAX, f"rules[{index}].title", minimum=1)
        check_length(rule.description, RULE_DESCRIPTION_MAX, f"rules[{index}].description")


async def create_group(
    session: AsyncSession,
    site: Site,
    owner: Viewer,
    *,
    handle: str,
    display_name: str = "",
    description: str = "",
    rules: Sequence[RuleInput] = (),
    visibility: Visibility = Visibility.PUBLIC,
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    default_content_warning: str = "",
    language: str = "en",
    now: datetime,
) -> GroupView:
    """Create a local group; its creator becomes its owner."""
    validate_handle(handle, field="name")
    check_length(display_name, DISPLAY_NAME_MAX, "display_name")
    check_length(description, DESCRIPTION_MAX, "description")
    check_length(default_content_warning, CONTENT_WARNING_MAX, "default_content_warning")
    validate_language(language)
    _validate_rules(rules)
    actor = await create_local_actor(
        session,
        kind=ActorKind.GROUP,
        handle=handle,
        domain=site.domain,
        uri=site.group_uri(handle),
        display_name=display_name.strip(),
        summary=description,
        now=now,
        field="name",
    )
    group = Group(
        actor_id=actor.id,
        visibility=visibility,
        join_policy=join_policy,
        default_content_warning=default_content_warning.strip(),
        language=language,
        posting_restricted_to_moderators=False,
    )
    session.add(group)
    await session.flush()
    for position, rule in enumerate(rules, start=1):
        session.add(
            GroupRule(
                group_id=group.id,
                position=position,
                title=rule.title.strip(),
                description=rule.description.strip(),
            )
        )
    membership = Membership(
        group_id=group.id,
        member_id=owner.actor_id,
        state=MembershipState.APPROVED,
        role=GroupRole.OWNER,
        created_at=now,
        updated_at=now,
    )
    session.add(membership)
    await session.flush()
    owner_actor = await session.get_one(Actor, owner.actor_id)
    record = GroupRecord(actor, group, membership_view(membership, actor, owner_actor))
    return await view_of(session, record)
