"""Rules: the node's code of conduct (shown at sign-up) and each group's rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from node import rules
from node.groups import limits
from node.ids import ROW_ID_MAX
from web.api.operation import Auth, Body, Call, Operation


class RuleEntryBody(Body):
    id: int | None = Field(
        None,
        ge=1,
        le=ROW_ID_MAX,
        description="An existing rule's id to keep it; omit for a new one",
    )
    title: str = Field(max_length=limits.RULE_TITLE_MAX)
    description: str = Field("", max_length=limits.RULE_DESCRIPTION_MAX)


class RuleListBody(Body):
    rules: list[RuleEntryBody] = Field(
        max_length=limits.RULES_MAX,
        description="The whole list, in order: rules left out are deleted",
    )


class RuleItemOut(BaseModel):
    id: int = Field(description="Cite it in a report as group_rule_id or node_rule_id")
    position: int
    title: str
    description: str


class RuleList(BaseModel):
    items: list[RuleItemOut]


def rule_list(items: Sequence[rules.Rule]) -> RuleList:
    return RuleList(
        items=[
            RuleItemOut(id=r.id, position=r.position, title=r.title, description=r.description)
            for r in items
        ]
    )


def _changes(body: RuleListBody) -> list[rules.RuleChange]:
    return [rules.RuleChange(r.title, r.description, r.id) for r in body.rules]


async def node_rules(call: Call[Any, Any]) -> RuleList:
    return rule_list(await rules.list_node_rules(call.session))


async def set_node_rules(call: Call[RuleListBody, Any]) -> RuleList:
    return rule_list(await rules.set_node_rules(call.session, call.member, _changes(call.body)))


async def group_rules(call: Call[Any, Any]) -> RuleList:
    return rule_list(
        await rules.list_group_rules(call.session, call.site, call.viewer, call.path("name"))
    )


async def set_group_rules(call: Call[RuleListBody, Any]) -> RuleList:
    view = await rules.set_group_rules(
        call.session, call.site, call.member, call.path("name"), _changes(call.body)
    )
    return rule_list(view)


OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/node/rules",
        node_rules,
        "This node's rules, in order (shown before signing up)",
        "rules",
        response=RuleList,
    ),
    Operation(
        "PUT",
        "/api/v1/node/rules",
        set_node_rules,
        "Admins: replace this node's rules with a new ordered list",
        "rules",
        auth=Auth.REQUIRED,
        body=RuleListBody,
        response=RuleList,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        "/api/v1/groups/{name}/rules",
        group_rules,
        "A group's rules, in order",
        "rules",
        auth=Auth.OPTIONAL,
        response=RuleList,
        errors=(401, 404),
    ),
    Operation(
        "PUT",
        "/api/v1/groups/{name}/rules",
        set_group_rules,
        "Group moderators: replace the group's rules with a new ordered list",
        "rules",
        auth=Auth.REQUIRED,
        body=RuleListBody,
        response=RuleList,
        errors=(401, 403, 404, 422),
    ),
)
