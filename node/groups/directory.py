"""The directory of groups: public groups, and the private ones the viewer belongs to,
without those the federation policy hides or limits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node.federation_policy.visibility import DomainFilter, without_hidden
from node.groups.loading import GroupRecord, group_view_with_rules, membership_view, rules_by_group
from node.kinds import MembershipState, Visibility
from node.pagination import Page, check_limit, decode_cursor, encode_cursor
from node.storage.models.actors import Actor
from node.storage.models.groups import Group, Membership
from node.views import GroupView, Viewer


def _in_directory(shown: DomainFilter, mine: type[Membership]) -> ColumnElement[bool]:
    """The directory leaves out groups of hidden domains, and those of limited domains but
    for their approved members (``permissions.can_see_content_from``)."""
    condition: ColumnElement[bool] = true()
    if shown.hidden:
        condition = and_(condition, Actor.domain.not_in(sorted(shown.hidden)))
    if shown.limited:
        limited = Actor.domain.in_(sorted(shown.limited))
        condition = and_(condition, or_(~limited, mine.state == MembershipState.APPROVED))
    return condition


async def _directory_page(
    session: AsyncSession,
    statement: Select[Actor, Group, Membership],
    mine: type[Membership],
) -> Sequence[Row[Actor, Group, Membership]]:
    """A directory page without the groups ``_in_directory`` leaves out."""

    async def run(shown: DomainFilter) -> Sequence[Row[Actor, Group, Membership]]:
        return (await session.execute(statement.where(_in_directory(shown, mine)))).all()

    async def domains(rows: Sequence[Row[Actor, Group, Membership]]) -> set[str]:
        return {actor.domain for actor, _, _ in rows if not actor.local}

    return await without_hidden(session, run, domains)


async def list_groups(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    query: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[GroupView]:
    """The directory, alphabetical by handle: public groups, plus private groups the
    viewer belongs to. ``query`` matches handle or display name."""
    limit = check_limit(limit)
    mine = aliased(Membership)
    statement = (
        select(Actor, Group, mine)
        .join(Group, Group.actor_id == Actor.id)
        .outerjoin(
            mine,
            and_(
                mine.group_id == Group.id,
                mine.member_id == (viewer.actor_id if viewer else -1),
            ),
        )
        .where(
            or_(
                Group.visibility == Visibility.PUBLIC,
                mine.state == MembershipState.APPROVED,
            ),
        )
        .order_by(Actor.handle_key, Actor.id)
        .limit(limit + 1)
    )
    if query:
        # lower(), not casefold(), to fold the same way as the database; the query's own
        # '%', '_' and '\\' are taken literally.
        literal = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        statement = statement.where(
            or_(
                Actor.handle_key.like(pattern, escape="\\"),
                func.lower(Actor.display_name).like(pattern, escape="\\"),
            )
        )
    if cursor:
        key, actor_id = decode_cursor(cursor, str, int)
        statement = statement.where(
            or_(Actor.handle_key > key, and_(Actor.handle_key == key, Actor.id > actor_id))
        )
    rows = await _directory_page(session, statement, mine)
    viewer_actor = await session.get(Actor, viewer.actor_id) if viewer else None
    rules = await rules_by_group(session, [group.id for _, group, _ in rows[:limit]])
    items = []
    for actor, group, membership in rows[:limit]:
        mine_view = (
            membership_view(membership, actor, viewer_actor)
            if membership is not None and viewer_actor is not None
            else None
        )
        items.append(group_view_with_rules(GroupRecord(actor, group, mine_view), rules[group.id]))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(last.handle_key, last.id)
    return Page(items=items, next_cursor=next_cursor)
