"""Rules: the node's code of conduct, and each group's own rules, in order.

The node's rules are shown at sign-up and are the admin's to write; a group's
rules are its moderators' (for a group hosted here) and are read by anyone who
may see the group. Both are ordered lists with dense positions (1, 2, 3 …): an
edit replaces the whole list, and each rule keeps its id across edits (the
ones sent back with their id), so a report that cites a rule still points at
it after the list is reordered. A rule left out of the new list is deleted;
reports that cited it keep their reason and lose only the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.groups.limits import RULE_DESCRIPTION_MAX, RULE_TITLE_MAX, RULES_MAX
from node.groups.loading import load_group
from node.handles import check_length
from node.ids import ROW_ID_MAX
from node.site import Site
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, GroupRule
from node.storage.models.moderation import NodeRule
from node.views import Viewer

RuleRow = TypeVar("RuleRow", NodeRule, GroupRule)


@dataclass(frozen=True)
class Rule:
    id: int
    position: int
    title: str
    description: str


@dataclass(frozen=True)
class RuleChange:
    """One entry of a new ordered list: an existing rule (``id``), changed or not, or a
    new one (no id)."""

    title: str
    description: str = ""
    id: int | None = None


def _view(row: NodeRule | GroupRule) -> Rule:
    return Rule(id=row.id, position=row.position, title=row.title, description=row.description)


def _checked(changes: Sequence[RuleChange], known: set[int]) -> list[RuleChange]:
    if len(changes) > RULES_MAX:
        raise InvalidInput(f"at most {RULES_MAX} rules", field="rules")
    seen: set[int] = set()
    cleaned = []
    for index, change in enumerate(changes):
        title = check_length(
            change.title.strip(), RULE_TITLE_MAX, f"rules[{index}].title", minimum=1
        )
        description = check_length(
            change.description.strip(), RULE_DESCRIPTION_MAX, f"rules[{index}].description"
        )
        if change.id is not None and (change.id not in known or change.id in seen):
            raise InvalidInput(
                f"rule {change.id} is not one of these rules (or is listed twice)",
                field=f"rules[{index}].id",
            )
        if change.id is not None:
            seen.add(change.id)
        cleaned.append(RuleChange(title, description, change.id))
    return cleaned


async def _replace(
    session: AsyncSession,
    rows: Sequence[RuleRow],
    changes: Sequence[RuleChange],
    new_row: type[RuleRow],
    **owner: int,
) -> list[Rule]:
    """Make ``rows`` (one list, in order) into ``changes``, keeping positions dense.

    Positions are unique per list, and PostgreSQL checks that row by row: kept rules
    first move out of the way (to negative positions), then take their new places.
    """
    cleaned = _checked(changes, {row.id for row in rows})
    by_id = {row.id: row for row in rows}
    kept = {change.id for change in cleaned if change.id is not None}
    for row in rows:
        if row.id not in kept:
            await session.delete(row)
    await session.flush()
    for index, row_id in enumerate(kept):
        by_id[row_id].position = -1 - index
    await session.flush()
    result: list[RuleRow] = []
    for position, change in enumerate(cleaned, start=1):
        if change.id is not None:
            row = by_id[change.id]
            row.position, row.title, row.description = position, change.title, change.description
            result.append(row)
    await session.flush()
    for position, change in enumerate(cleaned, start=1):
        if change.id is None:
            row = new_row(
                position=position, title=change.title, description=change.description, **owner
            )
            session.add(row)
            result.append(row)
    await session.flush()
    return [_view(row) for row in sorted(result, key=lambda r: r.position)]


# --- the node's rules -------------------------------------------------------------------


async def _node_rows(session: AsyncSession) -> list[NodeRule]:
    return list(await session.scalars(select(NodeRule).order_by(NodeRule.position)))


async def list_node_rules(session: AsyncSession) -> list[Rule]:
    """The node's rules, in order: public, shown to people before they sign up."""
    return [_view(row) for row in await _node_rows(session)]


async def set_node_rules(
    session: AsyncSession, viewer: Viewer, rules: Sequence[RuleChange]
) -> list[Rule]:
    """The admin replaces the node's rules with ``rules``, in that order."""
    permissions.require_node_admin(viewer)
    return await _replace(session, await _node_rows(session), rules, NodeRule)


def _as_changes(rows: Sequence[NodeRule]) -> list[RuleChange]:
    return [RuleChange(row.title, row.description, row.id) for row in rows]


def _index_of(rows: Sequence[NodeRule], rule_id: int) -> int:
    for index, row in enumerate(rows):
        if row.id == rule_id:
            return index
    raise NotFound(f"no rule {rule_id} on this node")


def _place(position: int | None, length: int) -> int:
    """A 1-based position as an index into a list of ``length`` (None: at the end)."""
    if position is None:
        return length
    if not 1 <= position <= length + 1:
        raise InvalidInput(f"position must be between 1 and {length + 1}", field="position")
    return position - 1


async def add_node_rule(
    session: AsyncSession,
    viewer: Viewer,
    *,
    title: str,
    description: str = "",
    position: int | None = None,
) -> Rule:
    """The admin adds one rule, at ``position`` (1-based) or at the end."""
    permissions.require_node_admin(viewer)
    rows = await _node_rows(session)
    changes = _as_changes(rows)
    changes.insert(_place(position, len(rows)), RuleChange(title, description))
    before = {row.id for row in rows}
    result = await _replace(session, rows, changes, NodeRule)
    return next(rule for rule in result if rule.id not in before)


async def update_node_rule(
    session: AsyncSession,
    viewer: Viewer,
    rule_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    position: int | None = None,
) -> Rule:
    """The admin rewords or moves one rule."""
    permissions.require_node_admin(viewer)
    rows = await _node_rows(session)
    changes = _as_changes(rows)
    index = _index_of(rows, rule_id)
    old = changes.pop(index)
    new = RuleChange(
        old.title if title is None else title,
        old.description if description is None else description,
        rule_id,
    )
    changes.insert(index if position is None else _place(position, len(changes)), new)
    result = await _replace(session, rows, changes, NodeRule)
    return next(rule for rule in result if rule.id == rule_id)


async def delete_node_rule(session: AsyncSession, viewer: Viewer, rule_id: int) -> None:
    """The admin deletes one rule; those after it move up."""
    permissions.require_node_admin(viewer)
    rows = await _node_rows(session)
    changes = _as_changes(rows)
    del changes[_index_of(rows, rule_id)]
    await _replace(session, rows, changes, NodeRule)


async def node_rule(session: AsyncSession, rule_id: int) -> NodeRule:
    """One of the node's rules, by id (for a report that cites it)."""
    row = await session.get(NodeRule, rule_id) if 1 <= rule_id <= ROW_ID_MAX else None
    if row is None:
        raise InvalidInput(f"no rule {rule_id} on this node", field="node_rule_id")
    return row


# --- a group's rules --------------------------------------------------------------------


async def _group_rows(session: AsyncSession, group_id: int) -> list[GroupRule]:
    statement = select(GroupRule).where(GroupRule.group_id == group_id)
    return list(await session.scalars(statement.order_by(GroupRule.position)))


async def list_group_rules(
    session: AsyncSession, site: Site, viewer: Viewer | None, group_acct: str
) -> list[Rule]:
    """A group's rules, in order, for anyone who may see the group."""
    record = await load_group(session, site, viewer, group_acct)
    return [_view(row) for row in await _group_rows(session, record.group.id)]


async def set_group_rules(
    session: AsyncSession,
    site: Site,
    viewer: Viewer,
    group_acct: str,
    rules: Sequence[RuleChange],
) -> list[Rule]:
    """A group's moderators replace its rules with ``rules``, in that order."""
    record = await load_group(session, site, viewer, group_acct)
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node keeps its rules there")
    rows = await _group_rows(session, record.group.id)
    return await _replace(session, rows, rules, GroupRule, group_id=record.group.id)


async def mirror_group_rules(
    session: AsyncSession, group: Group, rules: Sequence[RuleChange]
) -> list[Rule]:
    """A group hosted elsewhere published its rules: keep exactly those, in its order. A
    rule whose title is unchanged keeps its id (a report citing it still points at it)."""
    if (await session.get_one(Actor, group.actor_id)).local:
        raise PermissionDenied("a group hosted here keeps its own rules")
    rows = await _group_rows(session, group.id)
    unused = list(rows)
    changes = []
    for rule in rules[:RULES_MAX]:
        same = next((row for row in unused if row.title == rule.title), None)
        if same is not None:
            unused.remove(same)
        changes.append(RuleChange(rule.title, rule.description, same.id if same else None))
    return await _replace(session, rows, changes, GroupRule, group_id=group.id)


async def group_rule(session: AsyncSession, group_id: int, rule_id: int) -> GroupRule:
    """One of a group's rules, by id (for a report that cites it)."""
    row = await session.get(GroupRule, rule_id) if 1 <= rule_id <= ROW_ID_MAX else None
    if row is None or row.group_id != group_id:
        raise InvalidInput(
            f"rule {rule_id} is not one of this post's group's rules", field="group_rule_id"
        )
    return row
