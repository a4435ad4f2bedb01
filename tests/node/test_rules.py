"""Rules: the node's (its admins write them) and each group's (its moderators do)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import rules
from node.errors import InvalidInput, NotFound, PermissionDenied
from node.groups import creation, loading
from node.kinds import NodeRole, Visibility
from node.passwords import Passwords
from node.rules import Rule, RuleChange
from node.site import Site
from node.views import Viewer
from tests.node.factories import Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


def titles(items: list[Rule]) -> list[tuple[int, str]]:
    return [(rule.position, rule.title) for rule in items]


async def set_node(node: Node, admin: Viewer, *changes: RuleChange) -> list[Rule]:
    return await node.run(lambda s: rules.set_node_rules(s, admin, list(changes)))


async def test_the_admin_writes_the_node_rules_and_anyone_reads_them(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    assert await node.run(rules.list_node_rules) == []
    made = await set_node(
        node, admin, RuleChange(" Be kind ", " Always. "), RuleChange("No selling")
    )
    assert titles(made) == [(1, "Be kind"), (2, "No selling")]
    assert made[0].description == "Always."
    assert await node.run(rules.list_node_rules) == made


async def test_reordering_keeps_ids_and_positions_dense(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    kind, selling, privacy = await set_node(
        node, admin, RuleChange("Be kind"), RuleChange("No selling"), RuleChange("Privacy")
    )
    # Reversed, one reworded, one left out (deleted), one new in the middle.
    after = await set_node(
        node,
        admin,
        RuleChange("What is said here stays here", id=privacy.id),
        RuleChange("No advice on medication"),
        RuleChange("Be kind", id=kind.id),
    )
    assert titles(after) == [
        (1, "What is said here stays here"),
        (2, "No advice on medication"),
        (3, "Be kind"),
    ]
    assert (after[0].id, after[2].id) == (privacy.id, kind.id)
    assert selling.id not in {rule.id for rule in after}


async def test_one_rule_at_a_time(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    first = await node.run(lambda s: rules.add_node_rule(s, admin, title="Be kind"))
    second = await node.run(lambda s: rules.add_node_rule(s, admin, title="No selling"))
    top = await node.run(lambda s: rules.add_node_rule(s, admin, title="Safety", position=1))
    assert titles(await node.run(rules.list_node_rules)) == [
        (1, "Safety"),
        (2, "Be kind"),
        (3, "No selling"),
    ]
    moved = await node.run(
        lambda s: rules.update_node_rule(s, admin, second.id, title="No ads", position=1)
    )
    assert (moved.id, moved.position, moved.title) == (second.id, 1, "No ads")
    reworded = await node.run(
        lambda s: rules.update_node_rule(s, admin, first.id, description="Always")
    )
    assert (reworded.position, reworded.description) == (3, "Always")
    await node.run(lambda s: rules.delete_node_rule(s, admin, top.id))
    assert titles(await node.run(rules.list_node_rules)) == [(1, "No ads"), (2, "Be kind")]
    with pytest.raises(NotFound):
        await node.run(lambda s: rules.delete_node_rule(s, admin, top.id))
    with pytest.raises(InvalidInput) as error:
        await node.run(lambda s: rules.add_node_rule(s, admin, title="Late", position=9))
    assert error.value.field == "position"


async def test_only_admins_write_the_node_rules(node: Node) -> None:
    moderator = await node.member("mo", role=NodeRole.MODERATOR)
    member = await node.member("ben")
    for viewer in (moderator, member):
        with pytest.raises(PermissionDenied):
            await set_node(node, viewer, RuleChange("Mine"))
        with pytest.raises(PermissionDenied):
            await node.run(lambda s: rules.add_node_rule(s, viewer, title="Mine"))  # noqa: B023


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ([RuleChange("")], "rules[0].title"),
        ([RuleChange("ok"), RuleChange("   ")], "rules[1].title"),
        ([RuleChange("x" * 201)], "rules[0].title"),
        ([RuleChange("ok", "x" * 2001)], "rules[0].description"),
        ([RuleChange(f"rule {n}") for n in range(31)], "rules"),
        ([RuleChange("ok", id=12345)], "rules[0].id"),
    ],
)
async def test_rules_are_checked(node: Node, changes: list[RuleChange], field: str) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    with pytest.raises(InvalidInput) as error:
        await set_node(node, admin, *changes)
    assert error.value.field == field


async def test_an_id_may_be_kept_only_once(node: Node) -> None:
    admin = await node.member("ada", role=NodeRole.ADMIN)
    [kind] = await set_node(node, admin, RuleChange("Be kind"))
    with pytest.raises(InvalidInput) as error:
        await set_node(node, admin, RuleChange("a", id=kind.id), RuleChange("b", id=kind.id))
    assert error.value.field == "rules[1].id"


async def test_a_groups_moderators_write_its_rules_and_whoever_sees_it_reads_them(
    node: Node,
) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle", rules=[creation.RuleInput("Old")])
    await node.join(ben, "circle")
    [old] = await node.run(lambda s: rules.list_group_rules(s, node.site, None, "circle"))
    made = await node.run(
        lambda s: rules.set_group_rules(
            s, node.site, ana, "circle", [RuleChange("New"), RuleChange("Kept", id=old.id)]
        )
    )
    assert titles(made) == [(1, "New"), (2, "Kept")]
    assert made[1].id == old.id
    shown = await node.run(lambda s: rules.list_group_rules(s, node.site, ben, "circle"))
    assert shown == made
    # The group's own view (its "about") shows them in the same order.
    group = await node.run(lambda s: loading.get_group(s, node.site, None, "circle"))
    assert [r.title for r in group.rules] == ["New", "Kept"]
    with pytest.raises(PermissionDenied):
        await node.run(
            lambda s: rules.set_group_rules(s, node.site, ben, "circle", [RuleChange("Mine")])
        )


async def test_a_private_groups_rules_are_hidden_from_passers_by(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "quiet", visibility=Visibility.PRIVATE)
    with pytest.raises(NotFound):
        await node.run(lambda s: rules.list_group_rules(s, node.site, None, "quiet"))


async def test_group_rules_lists_are_separate(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "circle")
    await node.group(ana, "other")
    [circles] = await node.run(
        lambda s: rules.set_group_rules(s, node.site, ana, "circle", [RuleChange("Circle")])
    )
    # Another group's rule cannot be kept (or stolen) by id.
    with pytest.raises(InvalidInput):
        await node.run(
            lambda s: rules.set_group_rules(
                s, node.site, ana, "other", [RuleChange("x", id=circles.id)]
            )
        )
    await node.run(lambda s: rules.set_group_rules(s, node.site, ana, "other", [RuleChange("O")]))
    assert titles(
        await node.run(lambda s: rules.list_group_rules(s, node.site, None, "circle"))
    ) == [(1, "Circle")]
